# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Dealer portal: the dealer's marketing fund (balance and ledger) and its
claims against its participations in campaigns, with their proof.  Every
query is scoped with the dealer of the session: another dealer's claim,
file or ledger is a 404."""
import os

from dms_portal.conversation import (
    chat_values, read_upload, register_conversation, shared_file)
from dms_portal.ir import MAX_UPLOAD_SIZE, UPLOAD_TYPES
from dms_portal.portal import (
    N_, NotFound, register_flash, register_nav, register_templates, route,
    to_int)

PAGE_SIZE = 25
# The campaigns the dealers see (campaign.VISIBLE_STATES)
VISIBLE_STATES = ['proposed', 'approved', 'running', 'closed', 'evaluated']
CLAIM_FIELDS = ['amount', 'description']

# Registered once however many modules' routes call it
register_templates(os.path.join(os.path.dirname(__file__), 'www'))
register_nav('fund', N_("Marketing Fund"), sequence=43,
    model='dms.campaign.fund.line')
register_flash('claim_sent', N_(
        "Your claim is sent to the factory with its proof."))


@route('/fund')
def fund(request, portal):
    "The dealer's balance, its claims to be paid and its ledger"
    pool = portal.pool
    Line = pool.get('dms.campaign.fund.line')
    Dealer = pool.get('dms.dealer')
    page = to_int(request.args.get('page'), 1, minimum=1)
    dealer = Dealer(portal.dealer.id)
    lines = Line.search([
            ('dealer', '=', dealer.id),
            ], offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    return portal.render('fund.html',
        balance=dealer.marketing_fund_balance,
        to_pay=dealer.marketing_fund_to_pay,
        currency=dealer.company.currency,
        lines=lines[:PAGE_SIZE], page=page, more=len(lines) > PAGE_SIZE)


def _participation(portal, campaign_id):
    "The dealer's participation in the campaign it sees, or a 404"
    pool = portal.pool
    Participation = pool.get('dms.campaign.participation')
    participations = Participation.search([
            ('campaign', '=', campaign_id),
            ('dealer', '=', portal.dealer.id),
            ('campaign.state', 'in', VISIBLE_STATES),
            ], limit=1)
    if not participations:
        raise NotFound()
    return participations[0]


def _claimable(portal, participation):
    pool = portal.pool
    Claim = pool.get('dms.campaign.claim')
    if participation.state != 'approved':
        return None
    return Claim.claimable([participation])[participation.id]


@route('/campaigns/<int:campaign_id>/claims')
def claims(request, portal, campaign_id):
    "The dealer's claims for a campaign and what it may still claim"
    pool = portal.pool
    Claim = pool.get('dms.campaign.claim')
    participation = _participation(portal, campaign_id)
    records = Claim.search([
            ('participation', '=', participation.id),
            ('dealer', '=', portal.dealer.id),
            ])
    return portal.render('claim_list.html', participation=participation,
        campaign=participation.campaign, records=records,
        claimable=_claimable(portal, participation))


@route('/campaigns/<int:campaign_id>/claims/new', methods=('GET', 'POST'),
    max_size=MAX_UPLOAD_SIZE + 64 * 1024)
def claim_new(request, portal, campaign_id):
    "Claim marketing money with its proof (a file) for an approved plan"
    pool = portal.pool
    Claim = pool.get('dms.campaign.claim')
    participation = _participation(portal, campaign_id)
    # The dealer's administrators and buyers claim, not its viewers
    if (participation.state != 'approved'
            or portal.user.dealer_role not in {'admin', 'buyer'}):
        raise NotFound()
    form, errors = {}, {}
    if request.method == 'POST':
        form = {f: request.form.get(f, '')[:10000] for f in CLAIM_FIELDS}
        filename, data = read_upload(request)
        claim, errors = Claim.dms_portal_submit(
            portal.user, participation, form, filename=filename, data=data)
        if not errors:
            portal.flash('claim_sent')
            return portal.redirect('claims/%s' % claim.id)
        # Nothing of a refused claim is kept
        portal.rollback()
    return portal.render('claim_form.html',
        status=400 if errors else 200, form=form, errors=errors,
        participation=participation, campaign=participation.campaign,
        claimable=_claimable(portal, participation),
        deadline=participation.campaign.claim_deadline_used,
        accept=','.join('.' + e for e in sorted(UPLOAD_TYPES)))


def _claim(portal, claim_id):
    "The dealer's claim, or a 404"
    pool = portal.pool
    Claim = pool.get('dms.campaign.claim')
    records = Claim.search([
            ('id', '=', claim_id),
            ('dealer', '=', portal.dealer.id),
            ], limit=1)
    if not records:
        raise NotFound()
    return records[0]


def _claim_page(portal, claim, status=200, **values):
    return portal.render('claim.html', status=status, claim=claim,
        campaign=claim.participation.campaign,
        **chat_values(portal, claim, 'claims/%s/chat' % claim.id,
            'claims/%s/files/' % claim.id, **values))


@route('/claims/<int:claim_id>')
def claim(request, portal, claim_id):
    return _claim_page(portal, _claim(portal, claim_id))


register_conversation('claims/<int:claim_id>', _claim,
    lambda portal, claim_id, **values: _claim_page(
        portal, _claim(portal, claim_id), **values))


@route('/claims/<int:claim_id>/files/<int:attachment_id>')
def claim_file(request, portal, claim_id, attachment_id):
    return shared_file(portal, _claim(portal, claim_id), attachment_id)
