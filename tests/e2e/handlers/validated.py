"""A handler wrapper that first validates the event against Powertools'
``APIGatewayProxyEventV2Model``: a rejected event raises, so the gateway answers 500 and
the test that sent the request fails, whatever the app would have made of the event."""

from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model


def validated(handler):
    def checked(event, context):
        APIGatewayProxyEventV2Model.model_validate(event)
        return handler(event, context)

    return checked
