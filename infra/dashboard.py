"""One CloudWatch dashboard that shows the scale-out story of the stack, tier by tier.

Read top to bottom it follows a request: the API (requests, 4xx/5xx, latency), the function
tier (concurrent environments and throttles: the scale-out), the proxy (client connections
from those environments against the few database connections it multiplexes them onto) and
the database (its connections and CPU). The point of the proxy is visible as the gap between
the proxy's ClientConnections and the instance's DatabaseConnections.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from constructs import Construct

PERIOD = Duration.minutes(1)
_WIDTH = 8  # three graphs per row of the 24-unit grid
_HEIGHT = 6


class Dashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        http_api: apigwv2.HttpApi,
        function: lambda_.Function,
        proxy: rds.DatabaseProxy,
        target: rds.DatabaseInstance | rds.DatabaseCluster,
    ) -> None:
        super().__init__(scope, construct_id)
        self._proxy_name = proxy.db_proxy_name
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            # Dashboard names are unique per account across regions: the region is in it.
            dashboard_name=f"{Stack.of(self).stack_name}-{Aws.REGION}",
            default_interval=Duration.hours(3),
        )
        self.dashboard.add_widgets(*self._api_widgets(http_api))
        self.dashboard.add_widgets(*self._function_widgets(function))
        self.dashboard.add_widgets(*self._database_widgets(target))

    def _api_widgets(self, http_api: apigwv2.HttpApi) -> list[cloudwatch.IWidget]:
        return [
            _graph("API requests", [http_api.metric_count(period=PERIOD, statistic="Sum")]),
            _graph(
                "API 4xx and 5xx",
                [
                    http_api.metric_client_error(period=PERIOD, statistic="Sum"),
                    http_api.metric_server_error(period=PERIOD, statistic="Sum"),
                ],
            ),
            _graph(
                "API latency (p50, p99)",
                [
                    http_api.metric_latency(period=PERIOD, statistic="p50", label="p50"),
                    http_api.metric_latency(period=PERIOD, statistic="p99", label="p99"),
                ],
            ),
        ]

    def _function_widgets(self, function: lambda_.Function) -> list[cloudwatch.IWidget]:
        return [
            _graph(
                "Lambda concurrent executions",
                [function.metric("ConcurrentExecutions", period=PERIOD, statistic="Maximum")],
            ),
            _graph("Lambda throttles", [function.metric_throttles(period=PERIOD, statistic="Sum")]),
            _graph(
                "RDS Proxy connections (clients vs database)",
                [
                    self._proxy_metric("ClientConnections"),
                    self._proxy_metric("DatabaseConnections"),
                ],
            ),
        ]

    def _database_widgets(
        self, target: rds.DatabaseInstance | rds.DatabaseCluster
    ) -> list[cloudwatch.IWidget]:
        # An Aurora cluster's metrics cover its instances (the busiest one, by Maximum).
        return [
            _graph(
                "RDS database connections",
                [target.metric_database_connections(period=PERIOD, statistic="Maximum")],
            ),
            _graph(
                "RDS CPU utilization (%)",
                [target.metric_cpu_utilization(period=PERIOD, statistic="Maximum")],
            ),
        ]

    def _proxy_metric(self, name: str) -> cloudwatch.Metric:
        # Each proxy node publishes its own datapoints: the sum is the proxy's total.
        return cloudwatch.Metric(
            namespace="AWS/RDS",
            metric_name=name,
            dimensions_map={"ProxyName": self._proxy_name},
            statistic="Sum",
            period=PERIOD,
            label=f"proxy {name}",
        )


def _graph(title: str, metrics: list[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=metrics, width=_WIDTH, height=_HEIGHT)
