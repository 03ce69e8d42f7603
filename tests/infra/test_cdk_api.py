import pytest

from pokedex.routes import ROUTES

pytestmark = pytest.mark.infra


def test_one_route_per_route_table_entry(synth):
    route_keys = sorted(
        r["Properties"]["RouteKey"] for r in synth.resources("AWS::ApiGatewayV2::Route").values()
    )
    assert route_keys == sorted(route.route_key for route in ROUTES)
    assert "GET /poke_info" in route_keys


def test_every_route_goes_to_the_api_function(synth):
    integration_id, integration = synth.one("AWS::ApiGatewayV2::Integration")
    function_id = synth.logical_id(synth.stack.api.function)
    assert integration["Properties"]["IntegrationType"] == "AWS_PROXY"
    assert integration["Properties"]["PayloadFormatVersion"] == "2.0"
    assert integration["Properties"]["IntegrationUri"] == {"Fn::GetAtt": [function_id, "Arn"]}
    for route in synth.resources("AWS::ApiGatewayV2::Route").values():
        target = route["Properties"]["Target"]["Fn::Join"][1]
        assert {"Ref": integration_id} in target


def test_the_default_stage_auto_deploys_and_writes_access_logs(synth):
    _, stage = synth.one("AWS::ApiGatewayV2::Stage")
    props = stage["Properties"]
    assert props["StageName"] == "$default"
    assert props["AutoDeploy"] is True
    log_group = props["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    assert "RetentionInDays" in synth.json["Resources"][log_group]["Properties"]
    assert "$context.requestId" in props["AccessLogSettings"]["Format"]


def test_outputs_the_api_endpoint(synth):
    api_id, _ = synth.one("AWS::ApiGatewayV2::Api")
    output = synth.json["Outputs"]["APIEndpoint"]
    assert {"Ref": api_id} in output["Value"]["Fn::Join"][1]


def test_the_stage_throttles_to_what_the_reserved_environments_serve(synth):
    profile = synth.stack.profile
    _, stage = synth.one("AWS::ApiGatewayV2::Stage")
    settings = stage["Properties"]["DefaultRouteSettings"]
    assert settings["ThrottlingBurstLimit"] == profile.api_burst_limit
    assert settings["ThrottlingRateLimit"] == profile.api_rate_limit
    # No more requests at once than environments to serve them: the excess gets a 429
    # from the gateway rather than a throttled invoke's 500.
    assert 0 < settings["ThrottlingBurstLimit"] <= profile.api_concurrency


def test_the_api_function_has_reserved_concurrency(synth):
    api_id = synth.logical_id(synth.stack.api.function)
    props = synth.json["Resources"][api_id]["Properties"]
    assert props["ReservedConcurrentExecutions"] == synth.stack.profile.api_concurrency
    runner_id = synth.logical_id(synth.stack.migrations.function)
    assert "ReservedConcurrentExecutions" not in synth.json["Resources"][runner_id]["Properties"]
