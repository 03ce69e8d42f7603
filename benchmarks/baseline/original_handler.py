"""The baseline: a handler written the way the original design's was, for comparison only.

psycopg2 with a dict cursor, rows serialised by json.dumps, the secret read with boto3 and
the connection opened at import (exiting the process when that fails). Same query and data
as pokedex.handler's GET /poke_info. Never shipped; used by benchmarks/bench_handler.py.
"""

import json
import os
import sys

import boto3
import psycopg2
import psycopg2.extras

_secret = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["SECRET"])
_creds = json.loads(_secret["SecretString"])
try:
    conn = psycopg2.connect(
        host=os.environ["DB_ENDPOINT"],
        port=int(os.environ.get("DB_PORT", "5432")),
        dbname=os.environ.get("DB_NAME") or _creds["dbname"],
        user=_creds["username"],
        password=_creds["password"],
        sslmode=os.environ.get("DB_SSLMODE", "require"),
    )
    conn.autocommit = True
except psycopg2.Error as exc:
    print(f"ERROR: could not connect to PostgreSQL: {exc}")
    sys.exit(1)


def handler(event, context):  # type: ignore[no-untyped-def]
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("SELECT dex_number, name, type FROM poke_data ORDER BY dex_number")
        rows = cur.fetchall()
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(rows),
    }
