# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Dealer portal: the conversation panel and the shared files of the pages
of other modules (orders, bulletins, feedback), and the checks of uploaded
files.  Every query is scoped with the user of the session: anything else is
a 404."""
import json
import re
import unicodedata

from werkzeug.wrappers import Response

from trytond.exceptions import UserError

from .ir import MAX_MESSAGE_SIZE, MAX_UPLOAD_SIZE, UPLOAD_TYPES
from .portal import NotFound, route, to_int


def download(attachment):
    "The file as a download (never shown inline: no script runs from it)"
    filename = unicodedata.normalize('NFKD', attachment.name)
    filename = re.sub(r'[^A-Za-z0-9._-]+', '-', filename).strip('-') \
        or 'download'
    return Response(attachment.data, mimetype=attachment.dms_mimetype,
        headers={
            'Content-Disposition': 'attachment; filename="%s"' % filename,
            })


def read_upload(request):
    "The (filename, data) of the form's file or (None, None)"
    upload = request.files.get('file')
    if not upload or not upload.filename:
        return None, None
    upload.stream.seek(0)
    return upload.filename[:255], upload.stream.read(MAX_UPLOAD_SIZE + 1)


def message_values(portal, message):
    "A message of the conversation panel as the page's script shows it"
    _ = portal._
    side, name = message.dms_portal_author
    if side == 'factory':
        name = _("Factory") + (' · %s' % name if name else '')
    return {
        'id': message.id,
        'side': 'mine' if side == 'dealer' else 'factory',
        'author': name,
        'datetime': message.create_date.isoformat(),
        'time': portal.format_datetime(message.create_date),
        'content': message.content,
        }


def chat_values(portal, resource, action, files_path, error=None,
        form=None):
    "The values of the conversation panel of resource"
    pool = portal.pool
    Channel = pool.get('ir.chat.channel')
    Attachment = pool.get('ir.attachment')
    return {
        'chat': {
            'messages': Channel.dms_portal_messages(resource),
            'files': Attachment.dms_shared_of(resource),
            'action': portal.url(action),
            # The new messages, read by the page every few seconds
            'poll': portal.url(action + '/messages'),
            'files_path': portal.url(files_path),
            'error': error,
            'text': (form or {}).get('content', ''),
            'max_size': MAX_MESSAGE_SIZE,
            'accept': ','.join('.' + e for e in sorted(UPLOAD_TYPES)),
            'user_email': portal.user.email,
            },
        }


def chat_post(portal, request, resource):
    """Post the message of the form on resource; return None or the error
    (nothing is saved then)"""
    pool = portal.pool
    Channel = pool.get('ir.chat.channel')
    content = request.form.get('content', '')[:MAX_MESSAGE_SIZE + 1]
    filename, data = read_upload(request)
    try:
        Channel.dms_portal_post(resource, portal.user, content,
            filename=filename, data=data)
    except UserError as exception:
        portal.rollback()
        return exception.message


def register_conversation(path, resource, page):
    """Add the conversation panel's POST route to the pages path (a rule
    with one integer, like 'orders/<int:sale_id>') of a module:
    resource(portal, id) is the record talked about (a NotFound when the
    dealer may not talk about it), page(portal, id, status, error, form) the
    page shown again with the error of a refused message (nothing is
    saved).  The same view serves the conversations of every module."""
    name, = re.findall(r'<int:(\w+)>', path)

    def post(request, portal, **kwargs):
        record_id = kwargs[name]
        error = chat_post(portal, request, resource(portal, record_id))
        if error:
            return page(portal, record_id, status=400, error=error,
                form=request.form)
        portal.flash('message_sent')
        return portal.redirect(
            re.sub(r'<int:\w+>', str(record_id), path) + '#chat')
    # The pages of the module of the resource: only where it is activated
    post.__module__ = resource.__module__
    post.__name__ = post.__qualname__ = (
        path.split('/')[0].replace('-', '_') + '_chat')
    route('/%s/chat' % path, methods=('POST',),
        max_size=MAX_UPLOAD_SIZE + 64 * 1024)(post)

    def messages(request, portal, **kwargs):
        """The public messages after the id ?after=, oldest first, as JSON
        (the panel adds them without reloading the page)"""
        pool = portal.pool
        Channel = pool.get('ir.chat.channel')
        after = to_int(request.args.get('after'), 0, minimum=0)
        found = Channel.dms_portal_messages(
            resource(portal, kwargs[name]), after=after)
        response = Response(json.dumps({
                    'messages': [message_values(portal, m) for m in found],
                    }), mimetype='application/json')
        response.headers['Cache-Control'] = 'no-store'
        return response
    messages.__module__ = resource.__module__
    messages.__name__ = messages.__qualname__ = (
        path.split('/')[0].replace('-', '_') + '_chat_messages')
    # Polled by the page every few seconds: not the user's activity (an
    # open page does not keep the session open)
    route('/%s/chat/messages' % path, touch=False)(messages)


def shared_file(portal, resource, attachment_id, all_=False):
    "The file attachment_id of resource shown in the portal, or a 404"
    pool = portal.pool
    Attachment = pool.get('ir.attachment')
    files = [a for a in Attachment.dms_shared_of(resource, all_=all_)
        if a.id == attachment_id]
    if not files:
        raise NotFound()
    return download(files[0])
