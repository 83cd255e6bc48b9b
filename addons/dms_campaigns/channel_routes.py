# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The route where the channels post the sales of the campaigns published
to them, signed with their secret (Standard Webhooks); the checks and the
storing are dms.channel.sale's receive()"""
import json
from http import HTTPStatus

from werkzeug.wrappers import Response

from trytond.i18n import gettext
from trytond.protocols.wrappers import with_pool, with_transaction
from trytond.wsgi import app

from .channel import MAX_CALLBACK_SIZE, ChannelCallbackError

MAX_ID = 2 ** 31 - 1


def _json(status, data):
    return Response(
        json.dumps(data), status=status,
        content_type='application/json; charset=utf-8')


# As root (user 0): the channel is authenticated by its signature, which
# receive() checks before anything else is read or written
@app.route('/<database_name>/dms/channels/<int:channel>/sales',
    methods={'POST'})
@with_pool
@with_transaction(readonly=False)
def channel_sales(request, pool, channel):
    if 'dms_campaigns' not in pool._modules:
        # Database without the module
        return Response(status=HTTPStatus.NOT_FOUND)
    if (request.content_length or 0) > MAX_CALLBACK_SIZE:
        return Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    request.max_content_length = MAX_CALLBACK_SIZE
    Sale = pool.get('dms.channel.sale')
    try:
        if channel > MAX_ID:
            raise ChannelCallbackError(HTTPStatus.NOT_FOUND, gettext(
                    'dms_campaigns.msg_channel_callback_unknown'))
        # Kept: the transaction may be run again (locks, conflicts)
        body = request.get_data()
        status, answer = Sale.receive(channel, body, dict(request.headers))
    except ChannelCallbackError as exception:
        return _json(exception.status, {'error': exception.message})
    return _json(status, answer)
