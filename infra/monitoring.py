"""Alarms on what breaks first when the function tier scales out.

Proxy metrics are RDS Proxy's CloudWatch metrics (namespace AWS/RDS, dimension ProxyName;
each proxy node publishes its own datapoints, so counts are summed across nodes):
the pool's size, the time clients wait to borrow a connection (a wait that reaches
ConnectionBorrowTimeout, set from pokedex/deadlines.py, fails the client) and pinned
sessions (a pinned client holds one database connection for its whole session, defeating the pool).
Alarms notify one SNS topic; subscribe to it after deploying (docs/deploy.md).

The topic is encrypted with a customer-managed key: CloudWatch cannot use the AWS-managed
``alias/aws/sns`` key (its policy cannot be changed to admit cloudwatch.amazonaws.com), so
alarms on a topic encrypted with it never deliver. The key policy lets CloudWatch encrypt
the messages it publishes, and the topic policy lets it publish, both only for alarms of
this account and region.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.aurora import MAX_CONNECTIONS_PER_INSTANCE
from infra.profiles import Profile
from pokedex.deadlines import BORROW_TIMEOUT_S

PERIOD = Duration.minutes(1)
# db.t3.micro's max_connections is LEAST(DBInstanceClassMemory/9531392, 5000), about 80 to
# 112; the proxy may use them all (MaxConnectionsPercent 100). 70 leaves warning room.
DATABASE_CONNECTIONS = 70
# A borrow that waits a full second already costs the API caller more than the query does.
BORROW_LATENCY_MICROSECONDS = 1_000_000
# 10% of the 20 GB allocated at first. Storage autoscaling grows the volume when less than
# 10% is free for 5 minutes, but at most once every 6 hours and never past its ceiling:
# below 2 GB someone should look at what is filling it.
FREE_STORAGE_BYTES = 2 * 1024**3
# engine=aurora: the cluster volume grows by itself (up to 128 TiB), so free volume space
# means nothing; what can fill up is each instance's local storage (temporary files, logs).
# Its size per class is not in a table checked here: 1 GB left is a clear warning on any.
FREE_LOCAL_STORAGE_BYTES = 1 * 1024**3
# engine=aurora: 70 % of one db.t4g.medium's max_connections (infra/aurora.py). The proxy's
# count spans the writer and the reader, so this errs on the early side.
AURORA_DATABASE_CONNECTIONS = int(0.7 * MAX_CONNECTIONS_PER_INSTANCE)


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        proxy: rds.DatabaseProxy,
        target: rds.DatabaseInstance | rds.DatabaseCluster,
        function: lambda_.IFunction,
        http_api: apigwv2.HttpApi,
        profile: Profile,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic_key, self.topic = self._build_topic(profile)
        self._proxy_name = proxy.db_proxy_name
        self._build_proxy_alarms(target)
        if isinstance(target, rds.DatabaseCluster):
            self._build_cluster_alarms(target)
        else:
            self._build_instance_alarms(target)
        self._build_function_alarms(function)
        self._build_api_alarms(http_api)

    def _build_topic(self, profile: Profile) -> tuple[kms.Key, sns.Topic]:
        key = kms.Key(
            self,
            "AlarmsKey",
            description="Encrypts the alarm topic; usable by CloudWatch alarms of this account",
            enable_key_rotation=True,
            removal_policy=profile.removal_policy,
        )
        topic = sns.Topic(self, "Alarms", enforce_ssl=True, master_key=key)
        cloudwatch_alarms = _cloudwatch_alarms_of_this_account()
        # Resource-policy grants: a service principal has no identity policy to add to.
        key.grant(cloudwatch_alarms, "kms:Decrypt", "kms:GenerateDataKey*")
        topic.grant_publish(cloudwatch_alarms)
        return key, topic

    def _proxy_metric(self, name: str, statistic: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/RDS",
            metric_name=name,
            dimensions_map={"ProxyName": self._proxy_name},
            statistic=statistic,
            period=PERIOD,
        )

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        datapoints: int = 3,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=datapoints,
            datapoints_to_alarm=datapoints,
            comparison_operator=comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        return alarm

    def _build_proxy_alarms(self, target: rds.DatabaseInstance | rds.DatabaseCluster) -> None:
        on_aurora = isinstance(target, rds.DatabaseCluster)
        self._alarm(
            "ProxyConnections",
            self._proxy_metric("DatabaseConnections", "Sum"),
            AURORA_DATABASE_CONNECTIONS if on_aurora else DATABASE_CONNECTIONS,
            "RDS Proxy holds most of the connections "
            f"{'an Aurora db.t4g.medium' if on_aurora else 'db.t3.micro'} accepts: clients "
            "are about to queue for a connection.",
        )
        self._alarm(
            "ProxyBorrowLatency",
            self._proxy_metric("DatabaseConnectionsBorrowLatency", "Maximum"),
            BORROW_LATENCY_MICROSECONDS,
            "Clients wait over 1 s to borrow a database connection; at the borrow timeout "
            f"({BORROW_TIMEOUT_S} s, pokedex/deadlines.py) they get a 503.",
        )
        self._alarm(
            "ProxyPinnedSessions",
            self._proxy_metric("DatabaseConnectionsCurrentlySessionPinned", "Sum"),
            1,
            "Sessions are pinned to database connections (SET, PREPARE, temp tables, "
            "advisory locks...): the proxy cannot multiplex them.",
            # The first deploy's migration runner pins its own session for a few seconds: the
            # seed migration is one 78 KB statement, over the proxy's 16 KB (its lock does
            # not pin: pg_advisory_xact_lock; tests/unit/test_pinning.py checks both).
            datapoints=5,
        )

    def _build_instance_alarms(self, instance: rds.DatabaseInstance) -> None:
        self._alarm(
            "FreeStorage",
            instance.metric_free_storage_space(period=Duration.minutes(5), statistic="Minimum"),
            FREE_STORAGE_BYTES,
            "The database has less than 2 GB of free storage; autoscaling grows it at most "
            "every 6 hours and up to its ceiling, then writes fail.",
            datapoints=1,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        )

    def _build_cluster_alarms(self, cluster: rds.DatabaseCluster) -> None:
        self._alarm(
            "FreeLocalStorage",
            cluster.metric_free_local_storage(period=Duration.minutes(5), statistic="Minimum"),
            FREE_LOCAL_STORAGE_BYTES,
            "An Aurora instance has less than 1 GB of local storage left (temporary files, "
            "logs): large sorts and hash joins are about to fail.",
            datapoints=1,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        )

    def _build_function_alarms(self, function: lambda_.IFunction) -> None:
        self._alarm(
            "FunctionErrors",
            function.metric_errors(period=PERIOD, statistic="Sum"),
            1,
            "The API function raised or timed out (the caller got a 500 or 503).",
            datapoints=1,
        )
        self._alarm(
            "FunctionThrottles",
            function.metric_throttles(period=PERIOD, statistic="Sum"),
            1,
            "Invocations were throttled (concurrency limit): callers got a 500.",
            datapoints=1,
        )

    def _build_api_alarms(self, http_api: apigwv2.HttpApi) -> None:
        self._alarm(
            "Api5xx",
            http_api.metric_server_error(period=PERIOD, statistic="Sum"),
            1,
            "The HTTP API answered 5xx.",
            datapoints=1,
        )


def _cloudwatch_alarms_of_this_account() -> iam.IPrincipal:
    """CloudWatch, acting for an alarm of this account and region (confused-deputy guard)."""
    alarms = f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"
    return iam.ServicePrincipal(
        "cloudwatch.amazonaws.com",
        conditions={
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnLike": {"aws:SourceArn": alarms},
        },
    )
