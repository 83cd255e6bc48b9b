# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""E-mails sent by queued tasks, at least once

Tryton's transactional sending connects to the mail server before the
commit and sends after it: when the server is down the mails are lost
while the transaction commits what it marked as sent.  A task sends its
mails itself, before its commit; the mails a server that is down did not
take are sent by a later run of the task (rescheduled by the caller)."""
import datetime as dt
import logging

from trytond.config import config
from trytond.sendmail import get_smtp_server, send_message
from trytond.url import host

logger = logging.getLogger(__name__)


def message_id(kind, record):
    """A Message-ID of the record's e-mail that is the same each time it is
    sent: a mail sent again (a worker died after sending it) is recognized
    as the same one by mail clients"""
    created = getattr(record, 'create_date', None)
    stamp = int(created.timestamp()) if created else 0
    return '<dms.%s.%s.%s@%s>' % (kind, record.id, stamp, host())


def send_now(messages):
    """Send the messages, in order, on one connection to the mail server

    Return how many were sent: all of them, or those sent before the server
    failed (the others are to be sent again later)."""
    sent = 0
    if not messages:
        return sent
    try:
        server = get_smtp_server(strict=True)
    except Exception as exception:
        logger.warning("mail server unavailable: %s", exception)
        return sent
    try:
        for msg in messages:
            server = send_message(msg, server=server, strict=True) or server
            sent += 1
    except Exception as exception:
        logger.warning("mail server failed after %s of %s messages: %s",
            sent, len(messages), exception)
    finally:
        try:
            server.quit()
        except Exception:
            pass
    return sent


def retry_context():
    """The context to queue again what the mail server did not take, or None
    when there is no worker (tasks run right after the request and would
    try again at once)"""
    if not config.getboolean('queue', 'worker', default=False):
        return None
    delay = config.getfloat('dms_queue', 'email_retry_delay', default=300)
    return {'queue_scheduled_at': dt.timedelta(seconds=delay)}
