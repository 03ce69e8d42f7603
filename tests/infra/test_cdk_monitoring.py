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
        "FreeStorageSpace",
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
            if metric["Namespace"] == "AWS/RDS" and metric["MetricName"] != "FreeStorageSpace":
                assert metric["Dimensions"] == [{"Name": "ProxyName", "Value": {"Ref": proxy_id}}]


def test_every_alarm_notifies_the_topic(synth):
    topic_id, _ = synth.one("AWS::SNS::Topic")
    for alarm in _alarms(synth):
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]


def _cloudwatch_statements(document):
    return [
        s
        for s in document["Statement"]
        if s["Effect"] == "Allow" and s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]


def _scoped_to_this_accounts_alarms(statement):
    condition = statement["Condition"]
    assert condition["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    source_arn = condition["ArnLike"]["aws:SourceArn"]["Fn::Join"][1]
    assert ":cloudwatch:" in source_arn
    assert source_arn[-1] == ":alarm:*"
    return True


def test_alarm_topic_is_encrypted_with_a_rotating_customer_managed_key(synth):
    # CloudWatch alarms cannot publish to a topic under the AWS-managed alias/aws/sns key.
    key_id, key = synth.one("AWS::KMS::Key")
    _, topic = synth.one("AWS::SNS::Topic")
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True


def test_the_key_policy_lets_cloudwatch_alarms_encrypt_for_the_topic(synth):
    _, key = synth.one("AWS::KMS::Key")
    [statement] = _cloudwatch_statements(key["Properties"]["KeyPolicy"])
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert _scoped_to_this_accounts_alarms(statement)


def test_the_topic_policy_lets_cloudwatch_alarms_publish(synth):
    topic_id, _ = synth.one("AWS::SNS::Topic")
    _, policy = synth.one("AWS::SNS::TopicPolicy")
    assert policy["Properties"]["Topics"] == [{"Ref": topic_id}]
    [statement] = _cloudwatch_statements(policy["Properties"]["PolicyDocument"])
    assert statement["Action"] == "sns:Publish"
    assert statement["Resource"] == {"Ref": topic_id}
    assert _scoped_to_this_accounts_alarms(statement)


def test_the_alarm_key_goes_with_a_dev_stack_and_stays_with_prod(dev, prod):
    assert dev.one("AWS::KMS::Key")[1]["DeletionPolicy"] == "Delete"
    assert prod.one("AWS::KMS::Key")[1]["DeletionPolicy"] == "Retain"


def test_free_storage_alarm_watches_the_instance(synth):
    db_id, _ = synth.one("AWS::RDS::DBInstance")
    [alarm] = [a for a in _alarms(synth) if _metric_names(a) == {"FreeStorageSpace"}]
    props = alarm["Properties"]
    assert props["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": {"Ref": db_id}}]
    assert props["ComparisonOperator"] == "LessThanThreshold"
    assert props["Statistic"] == "Minimum"
    assert 0 < props["Threshold"] <= 0.1 * 20 * 1024**3  # at most 10% of the first 20 GB


def test_storage_autoscaling_has_a_ceiling(synth):
    _, db = synth.one("AWS::RDS::DBInstance")
    props = db["Properties"]
    assert int(props["AllocatedStorage"]) < props["MaxAllocatedStorage"] <= 100
