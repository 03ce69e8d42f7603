"""CDK entry point: `npx aws-cdk@2 synth|deploy|destroy -c profile=dev|prod` (see cdk.json)."""

import os
import sys

# Before jsii starts Node: silence its end-of-life banner for Node 20, which would
# otherwise print on every synth.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from infra.application import create_app

if __name__ == "__main__":
    try:
        app, _ = create_app()
    except ValueError as error:  # a bad -c value: say which, without a traceback
        sys.exit(f"app.py: {error}")
    app.synth()
