# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Dealer portal: bulletins, market feedback, the inbox and the conversation
panel shared by orders, bulletins and feedback.  Every query is scoped with
the dealer of the session: anything else is a 404."""
import re
import unicodedata

from werkzeug.wrappers import Response

from trytond.exceptions import UserError

from .ir import MAX_MESSAGE_SIZE, MAX_UPLOAD_SIZE, UPLOAD_TYPES
from .portal import (
    N_, NotFound, register_flash, register_nav, route, to_int)

PAGE_SIZE = 25

register_nav('bulletins', N_("Bulletins"), sequence=40)
register_nav('feedback', N_("Feedback"), sequence=45)
register_nav('inbox', N_("Inbox"), sequence=50)
register_flash('bulletin_acknowledged', N_(
        "Thank you: the factory sees that you have taken note."))
register_flash('feedback_sent', N_(
        "Thank you: your feedback is sent to the factory."))
register_flash('message_sent', N_("Your message is sent."))
register_flash('preferences_saved', N_("Your e-mail preferences are saved."))
register_flash('inbox_read', N_("All notifications are marked as read."))


def bulletin_kinds(_):
    "The dealer's words for the kinds of bulletins"
    return {
        'launch': _("New product"),
        'specification': _("Specification change"),
        'price': _("Price change"),
        'recall': _("Recall"),
        'policy': _("Policy"),
        'general': _("General"),
        }


def feedback_kinds(_):
    return {
        'demand': _("Demand preference"),
        'competitor': _("Competitor move"),
        'trend': _("Local trend"),
        'quality': _("Quality issue"),
        }


def feedback_states(_):
    return {
        'new': _("Sent"),
        'acknowledged': _("Acknowledged"),
        'in_progress': _("In progress"),
        'closed': _("Closed"),
        }


def notification_kinds(_):
    return {
        'bulletin': _("Bulletins"),
        'feedback': _("Feedback"),
        'chat': _("Messages"),
        'alert': _("Order alerts"),
        }


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


def shared_file(portal, resource, attachment_id, all_=False):
    "The file attachment_id of resource shown in the portal, or a 404"
    pool = portal.pool
    Attachment = pool.get('ir.attachment')
    files = [a for a in Attachment.dms_shared_of(resource, all_=all_)
        if a.id == attachment_id]
    if not files:
        raise NotFound()
    return download(files[0])


# Bulletins

def _bulletin(portal, bulletin_id):
    "The published bulletin the dealer may read, or a 404"
    pool = portal.pool
    Bulletin = pool.get('dms.bulletin')
    bulletins = Bulletin.of_dealer(portal.dealer, ids=[bulletin_id])
    if not bulletins:
        raise NotFound()
    return bulletins[0]


@route('/bulletins')
def bulletins(request, portal):
    pool = portal.pool
    Bulletin = pool.get('dms.bulletin')
    Notification = pool.get('dms.dealer.notification')
    Receipt = pool.get('dms.bulletin.receipt')
    _ = portal._
    kinds = bulletin_kinds(_)
    kind = request.args.get('kind')
    if kind not in kinds:
        kind = None
    page = to_int(request.args.get('page'), 1, minimum=1)
    records = Bulletin.of_dealer(portal.dealer, kind=kind,
        offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    more = len(records) > PAGE_SIZE
    records = records[:PAGE_SIZE]
    unread = {int(str(n.resource).split(',')[1])
        for n in Notification.search([
                ('user', '=', portal.user.id),
                ('kind', '=', 'bulletin'),
                ('read_at', '=', None),
                ('resource', 'in', [str(b) for b in records]),
                ])} if records else set()
    receipts = {r.bulletin.id: r for r in Receipt.search([
                ('dealer', '=', portal.dealer.id),
                ('bulletin', 'in', [b.id for b in records]),
                ])} if records else {}
    return portal.render('bulletins.html', bulletins=records, kinds=kinds,
        kind=kind, unread=unread, receipts=receipts, page=page, more=more)


def _bulletin_page(portal, bulletin, status=200, **values):
    pool = portal.pool
    Receipt = pool.get('dms.bulletin.receipt')
    Notification = pool.get('dms.dealer.notification')
    Attachment = pool.get('ir.attachment')
    receipt = Receipt.of_dealer(bulletin, portal.dealer)
    unread = Notification.search_count([
            ('user', '=', portal.user.id),
            ('read_at', '=', None),
            ('resource', '=', str(bulletin)),
            ]) > 0 or not (receipt and receipt.read_at)
    chat = chat_values(portal, receipt, 'bulletins/%s/chat' % bulletin.id,
        'bulletins/%s/files/' % bulletin.id, **values) if receipt else {
        'chat': None}
    return portal.render('bulletin.html', status=status, bulletin=bulletin,
        receipt=receipt, unread=unread, kinds=bulletin_kinds(portal._),
        files=Attachment.dms_shared_of(bulletin, all_=True),
        receipt_files=(Attachment.dms_shared_of(receipt)
            if receipt else []),
        prices=bulletin.prices_of(portal.dealer) if bulletin.kind == 'price'
        else [], affected=bulletin.affected_orders_of(portal.dealer),
        **chat)


@route('/bulletins/<int:bulletin_id>')
def bulletin(request, portal, bulletin_id):
    return _bulletin_page(portal, _bulletin(portal, bulletin_id))


@route('/bulletins/<int:bulletin_id>/read', methods=('POST',))
def bulletin_read(request, portal, bulletin_id):
    "The page was shown to the user (posted by the page's script)"
    pool = portal.pool
    Receipt = pool.get('dms.bulletin.receipt')
    Receipt.mark_read(_bulletin(portal, bulletin_id), portal.user)
    if request.form.get('ajax'):
        return Response('', status=204)
    return portal.redirect('bulletins/%s' % bulletin_id)


@route('/bulletins/<int:bulletin_id>/acknowledge', methods=('POST',))
def bulletin_acknowledge(request, portal, bulletin_id):
    pool = portal.pool
    Receipt = pool.get('dms.bulletin.receipt')
    bulletin = _bulletin(portal, bulletin_id)
    if not bulletin.acknowledgement_required:
        raise NotFound()
    Receipt.acknowledge(bulletin, portal.user)
    portal.flash('bulletin_acknowledged')
    return portal.redirect('bulletins/%s' % bulletin_id)


@route('/bulletins/<int:bulletin_id>/chat', methods=('POST',),
    max_size=MAX_UPLOAD_SIZE + 64 * 1024)
def bulletin_chat(request, portal, bulletin_id):
    pool = portal.pool
    Receipt = pool.get('dms.bulletin.receipt')
    bulletin = _bulletin(portal, bulletin_id)
    receipt = Receipt.of_dealer(bulletin, portal.dealer)
    error = chat_post(portal, request, receipt)
    if error:
        return _bulletin_page(portal, _bulletin(portal, bulletin_id),
            status=400, error=error, form=request.form)
    portal.flash('message_sent')
    return portal.redirect('bulletins/%s#chat' % bulletin_id)


@route('/bulletins/<int:bulletin_id>/files/<int:attachment_id>')
def bulletin_file(request, portal, bulletin_id, attachment_id):
    pool = portal.pool
    Receipt = pool.get('dms.bulletin.receipt')
    Attachment = pool.get('ir.attachment')
    bulletin = _bulletin(portal, bulletin_id)
    # The bulletin's files, or those of the dealer's conversation
    if Attachment.search_count([
                ('id', '=', attachment_id),
                ('resource', '=', str(bulletin)),
                ]):
        return shared_file(portal, bulletin, attachment_id, all_=True)
    receipt = Receipt.of_dealer(bulletin, portal.dealer)
    if not receipt:
        raise NotFound()
    return shared_file(portal, receipt, attachment_id)


# Feedback

def _feedback(portal, feedback_id):
    pool = portal.pool
    Feedback = pool.get('dms.feedback')
    records = Feedback.search([
            ('id', '=', feedback_id),
            ('dealer', '=', portal.dealer.id),
            ], limit=1)
    if not records:
        raise NotFound()
    return records[0]


@route('/feedback')
def feedback_list(request, portal):
    pool = portal.pool
    Feedback = pool.get('dms.feedback')
    _ = portal._
    page = to_int(request.args.get('page'), 1, minimum=1)
    records = Feedback.search([
            ('dealer', '=', portal.dealer.id),
            ], offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    more = len(records) > PAGE_SIZE
    return portal.render('feedback_list.html', records=records[:PAGE_SIZE],
        kinds=feedback_kinds(_), states=feedback_states(_), page=page,
        more=more)


FEEDBACK_FIELDS = [
    'kind', 'subject', 'description', 'product', 'attribute',
    'estimated_quantity', 'competitor', 'competitor_price']


@route('/feedback/new', methods=('GET', 'POST'),
    max_size=MAX_UPLOAD_SIZE + 64 * 1024)
def feedback_new(request, portal):
    pool = portal.pool
    Feedback = pool.get('dms.feedback')
    _ = portal._
    form = {'kind': request.args.get('kind', 'demand')}
    errors = {}
    if request.method == 'POST':
        form = {f: request.form.get(f, '')[:10000] for f in FEEDBACK_FIELDS}
        filename, data = read_upload(request)
        feedback, errors = Feedback.dms_portal_submit(
            portal.user, form, filename=filename, data=data)
        if not errors:
            portal.flash('feedback_sent')
            return portal.redirect('feedback/%s' % feedback.id)
        portal.rollback()
    return portal.render('feedback_form.html',
        status=400 if errors else 200, form=form, errors=errors,
        kinds=feedback_kinds(_),
        accept=','.join('.' + e for e in sorted(UPLOAD_TYPES)))


def _feedback_page(portal, feedback, status=200, **values):
    _ = portal._
    return portal.render('feedback.html', status=status, feedback=feedback,
        kinds=feedback_kinds(_), states=feedback_states(_),
        **chat_values(portal, feedback, 'feedback/%s/chat' % feedback.id,
            'feedback/%s/files/' % feedback.id, **values))


@route('/feedback/<int:feedback_id>')
def feedback(request, portal, feedback_id):
    return _feedback_page(portal, _feedback(portal, feedback_id))


@route('/feedback/<int:feedback_id>/chat', methods=('POST',),
    max_size=MAX_UPLOAD_SIZE + 64 * 1024)
def feedback_chat(request, portal, feedback_id):
    record = _feedback(portal, feedback_id)
    error = chat_post(portal, request, record)
    if error:
        return _feedback_page(portal, _feedback(portal, feedback_id),
            status=400, error=error, form=request.form)
    portal.flash('message_sent')
    return portal.redirect('feedback/%s#chat' % feedback_id)


@route('/feedback/<int:feedback_id>/files/<int:attachment_id>')
def feedback_file(request, portal, feedback_id, attachment_id):
    return shared_file(portal, _feedback(portal, feedback_id), attachment_id)


# Inbox

@route('/inbox')
def inbox(request, portal):
    pool = portal.pool
    Notification = pool.get('dms.dealer.notification')
    _ = portal._
    kinds = notification_kinds(_)
    kind = request.args.get('kind')
    if kind not in kinds:
        kind = None
    page = to_int(request.args.get('page'), 1, minimum=1)
    domain = [('user', '=', portal.user.id)]
    if kind:
        domain.append(('kind', '=', kind))
    records = Notification.search(domain,
        offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    more = len(records) > PAGE_SIZE
    return portal.render('inbox.html', notifications=records[:PAGE_SIZE],
        kinds=kinds, kind=kind, page=page, more=more,
        email_off=set(portal.user.dms_email_off or ()),
        unread=Notification.unread_count(portal.user))


@route('/inbox/<int:notification_id>/open', methods=('POST',))
def inbox_open(request, portal, notification_id):
    "Mark the notification read and go to what it is about"
    pool = portal.pool
    Notification = pool.get('dms.dealer.notification')
    records = Notification.search([
            ('id', '=', notification_id),
            ('user', '=', portal.user.id),
            ], limit=1)
    if not records:
        raise NotFound()
    notification, = records
    Notification.mark_read(portal.user, notifications=[notification])
    return portal.redirect(notification.portal_path or 'inbox')


@route('/inbox/read', methods=('POST',))
def inbox_read(request, portal):
    pool = portal.pool
    Notification = pool.get('dms.dealer.notification')
    Notification.mark_read(portal.user)
    portal.flash('inbox_read')
    return portal.redirect('inbox')


@route('/inbox/preferences', methods=('POST',))
def inbox_preferences(request, portal):
    pool = portal.pool
    WebUser = pool.get('web.user')
    kinds = [k for k in request.form.getlist('email')
        if k in notification_kinds(portal._)]
    WebUser.dms_set_email_kinds(portal.user, kinds)
    portal.flash('preferences_saved')
    return portal.redirect('inbox')
