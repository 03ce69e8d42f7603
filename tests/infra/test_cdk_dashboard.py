"""The dashboard shows each tier's scale-out metrics, for this stack's resources."""

import json

import pytest

pytestmark = pytest.mark.infra


def _body(synth):
    _, dashboard = synth.one("AWS::CloudWatch::Dashboard")
    body = dashboard["Properties"]["DashboardBody"]
    if isinstance(body, dict):  # Fn::Join of JSON text and references
        # Each reference sits inside a JSON string: a placeholder keeps the text valid JSON.
        body = "".join(
            part
            if isinstance(part, str)
            else f"<{json.dumps(part, sort_keys=True)}>".replace('"', "'")
            for part in body["Fn::Join"][1]
        )
    return json.loads(body)


def _graphs(synth):
    """{title: [(namespace, metric name, {dimension: value}), ...]}"""
    graphs = {}
    for widget in _body(synth)["widgets"]:
        props = widget["properties"]
        rows = []
        for row in props["metrics"]:
            plain = [item for item in row if isinstance(item, str)]
            namespace, name, *dimensions = plain
            rows.append(
                (namespace, name, dict(zip(dimensions[::2], dimensions[1::2], strict=True)))
            )
        graphs[props["title"]] = rows
    return graphs


def _ref(logical_id):
    return f"<{json.dumps({'Ref': logical_id})}>".replace('"', "'")


def test_the_dashboard_graphs_every_tier(synth):
    watched = {(ns, name) for rows in _graphs(synth).values() for ns, name, _ in rows}
    assert watched == {
        ("AWS/ApiGateway", "Count"),
        ("AWS/ApiGateway", "4xx"),
        ("AWS/ApiGateway", "5xx"),
        ("AWS/ApiGateway", "Latency"),
        ("AWS/Lambda", "ConcurrentExecutions"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/RDS", "ClientConnections"),
        ("AWS/RDS", "DatabaseConnections"),
        ("AWS/RDS", "CPUUtilization"),
    }


def test_each_graph_watches_this_stacks_resources(synth):
    graphs = _graphs(synth)
    api_id, _ = synth.one("AWS::ApiGatewayV2::Api")
    proxy_id, _ = synth.one("AWS::RDS::DBProxy")
    db_id, _ = synth.one("AWS::RDS::DBInstance")
    function_id = synth.logical_id(synth.stack.api.function)
    for title, rows in graphs.items():
        for namespace, name, dimensions in rows:
            if namespace == "AWS/ApiGateway":
                assert dimensions == {"ApiId": _ref(api_id)}, title
            elif namespace == "AWS/Lambda":
                assert dimensions == {"FunctionName": _ref(function_id)}, title
            elif name == "CPUUtilization" or title.startswith("RDS database"):
                assert dimensions == {"DBInstanceIdentifier": _ref(db_id)}, title
            else:
                assert dimensions == {"ProxyName": _ref(proxy_id)}, title


def test_proxy_client_and_database_connections_share_one_graph(synth):
    # The gap between the two lines is what the proxy saves the database.
    [rows] = [rows for title, rows in _graphs(synth).items() if title.startswith("RDS Proxy")]
    assert [name for _, name, _ in rows] == ["ClientConnections", "DatabaseConnections"]


def test_the_dashboard_name_is_unique_per_stack_and_region(synth):
    # CloudWatch dashboard names are global to the account, not per region.
    _, dashboard = synth.one("AWS::CloudWatch::Dashboard")
    parts = dashboard["Properties"]["DashboardName"]["Fn::Join"][1]
    assert parts == [f"{synth.stack.stack_name}-", {"Ref": "AWS::Region"}]
