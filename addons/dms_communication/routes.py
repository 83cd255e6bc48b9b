# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Dealer portal: bulletins and market feedback.  Every query is scoped with
the dealer of the session: anything else is a 404."""
import os

from werkzeug.wrappers import Response

from dms_portal.conversation import (
    chat_values, read_upload, register_conversation, shared_file)
from dms_portal.ir import MAX_UPLOAD_SIZE, UPLOAD_TYPES
from dms_portal.portal import (
    N_, NotFound, register_flash, register_home_card, register_nav,
    register_templates, route, to_int)

PAGE_SIZE = 25

register_templates(os.path.join(os.path.dirname(__file__), 'www'))
register_nav('bulletins', N_("Bulletins"), sequence=40, model='dms.bulletin')
register_nav('feedback', N_("Feedback"), sequence=45, model='dms.feedback')
register_flash('bulletin_acknowledged', N_(
        "Thank you: the factory sees that you have taken note."))
register_flash('feedback_sent', N_(
        "Thank you: your feedback is sent to the factory."))


def _unread_bulletins(portal):
    pool = portal.pool
    Notification = pool.get('dms.dealer.notification')
    return {'unread_bulletins': Notification.unread_count(
            portal.user, kind='bulletin')}


register_home_card('home_bulletins.html', _unread_bulletins, sequence=30,
    model='dms.bulletin')


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


def _receipt(portal, bulletin_id):
    "The conversation of the dealer about the bulletin: its receipt"
    pool = portal.pool
    Receipt = pool.get('dms.bulletin.receipt')
    receipt = Receipt.of_dealer(_bulletin(portal, bulletin_id), portal.dealer)
    if not receipt:
        raise NotFound()
    return receipt


register_conversation('bulletins/<int:bulletin_id>', _receipt,
    lambda portal, bulletin_id, **values: _bulletin_page(
        portal, _bulletin(portal, bulletin_id), **values))


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


register_conversation('feedback/<int:feedback_id>', _feedback,
    lambda portal, feedback_id, **values: _feedback_page(
        portal, _feedback(portal, feedback_id), **values))


@route('/feedback/<int:feedback_id>/files/<int:attachment_id>')
def feedback_file(request, portal, feedback_id, attachment_id):
    return shared_file(portal, _feedback(portal, feedback_id), attachment_id)
