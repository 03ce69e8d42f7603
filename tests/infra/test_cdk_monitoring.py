import pytest

pytestmark = pytest.mark.infra


def _alarms(synth):
    return synth.resources("AWS::CloudWatch::Alarm").values()


def _metric_names(alarm):
    props = alarm["Properties"]
    if "MetricName" in props:
        return {props["MetricName"]}
    return {m["MetricStat"]["Metric"]["MetricName"] for m in props["Metrics"] if "MetricStat" in m}


def test_alarms_cover_proxy_function_and_api(synth):
    watched = set().union(*(_metric_names(a) for a in _alarms(synth)))
    assert watched == {
        "DatabaseConnections",
        "DatabaseConnectionsBorrowLatency",
        "DatabaseConnectionsCurrentlySessionPinned",
        "Errors",
        "Throttles",
        "5xx",
    }


def test_proxy_alarms_watch_this_stacks_proxy(synth):
    proxy_id, _ = synth.one("AWS::RDS::DBProxy")
    for alarm in _alarms(synth):
        props = alarm["Properties"]
        metrics = (
            [props]
            if "MetricName" in props
            else [m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]
        )
        for metric in metrics:
            if metric["Namespace"] == "AWS/RDS":
                assert metric["Dimensions"] == [{"Name": "ProxyName", "Value": {"Ref": proxy_id}}]


def test_every_alarm_notifies_the_topic(synth):
    topic_id, _ = synth.one("AWS::SNS::Topic")
    for alarm in _alarms(synth):
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
