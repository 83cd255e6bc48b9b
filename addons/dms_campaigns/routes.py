# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Dealer portal: the co-marketing campaigns of the dealer

The dealer sees the campaigns it takes part in (its participation) once the
factory has proposed them: their goal, period, products with the offer,
the dealer's allocation and the campaign's materials; it sends its local
plan or declines, reads the factory's decision and reports its activities
with photos; the conversation panel talks about its participation.  Every
query is scoped with the dealer of the session: a campaign without a
participation of the dealer, or a draft or cancelled one, is a 404."""
import datetime as dt
import os
import re
from decimal import Decimal, InvalidOperation

from trytond.exceptions import UserError

from dms_portal.conversation import (
    chat_values, register_conversation, shared_file)
from dms_portal.ir import MAX_UPLOAD_SIZE, clean_text
from dms_portal.portal import (
    N_, NotFound, register_flash, register_home_card, register_nav,
    register_templates, route, to_int)

PAGE_SIZE = 25
# The campaigns the dealers of the audience see (campaign.VISIBLE_STATES)
VISIBLE_STATES = ['proposed', 'approved', 'running', 'closed', 'evaluated']
# The campaigns that take the dealers' answers
OPEN_STATES = ['proposed', 'approved', 'running']
# The tabs of the list: the domain of the participations of each
FILTERS = {
    'invited': [
        ('state', '=', 'invited'),
        ('campaign.state', 'in', OPEN_STATES),
        ],
    'proposed': [
        ('state', '=', 'proposed'),
        ('campaign.state', 'in', OPEN_STATES),
        ],
    'approved': [
        ('state', '=', 'approved'),
        ('campaign.state', 'in', ['approved', 'running']),
        ],
    'running': [
        ('campaign.state', '=', 'running'),
        ],
    'closed': [
        ('campaign.state', 'in', ['closed', 'evaluated']),
        ],
    }
MAX_PLAN_SIZE = 5000
MAX_REASON_SIZE = 2000
MAX_DESCRIPTION_SIZE = 5000
MAX_AMOUNT = Decimal(10) ** 12
MAX_COUNT = 1_000_000
# The photos of an activity report
MAX_PHOTOS = 3
PHOTO_TYPES = ['gif', 'jpeg', 'jpg', 'png', 'webp']
# The products of the campaign shown on its page
MAX_PRODUCTS = 100

register_templates(os.path.join(os.path.dirname(__file__), 'www'))
register_nav('campaigns', N_("Campaigns"), sequence=42, model='dms.campaign')
register_flash('campaign_proposed', N_(
        "Your plan is sent: the factory will answer it here."))
register_flash('campaign_declined', N_(
        "You declined the campaign: the factory is told."))
register_flash('campaign_activity_reported', N_(
        "Thank you: your activity is reported to the factory."))


def _open_invitations(portal):
    pool = portal.pool
    Participation = pool.get('dms.campaign.participation')
    return {'open_invitations': Participation.search([
                ('dealer', '=', portal.dealer.id),
                ] + FILTERS['invited'], count=True)}


register_home_card('home_campaigns.html', _open_invitations, sequence=32,
    model='dms.campaign')


def filter_names(_):
    "The tabs of the campaigns page"
    return {
        'invited': _("To answer"),
        'proposed': _("Plan sent"),
        'approved': _("Approved"),
        'running': _("Running"),
        'closed': _("Closed"),
        }


def _selection(portal, model, field):
    "{value: label} of a selection field in the portal's language"
    Model = portal.pool.get(model)
    return dict(Model.fields_get([field])[field]['selection'])


# The list

@route('/campaigns')
def campaigns(request, portal):
    pool = portal.pool
    Participation = pool.get('dms.campaign.participation')
    filter_ = request.args.get('filter')
    if filter_ not in FILTERS:
        filter_ = None
    page = to_int(request.args.get('page'), 1, minimum=1)
    records = Participation.search([
            ('dealer', '=', portal.dealer.id),
            ('campaign.state', 'in', VISIBLE_STATES),
            ] + FILTERS.get(filter_, []),
        order=[('campaign.start_date', 'DESC'), ('campaign.id', 'DESC')],
        offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    more = len(records) > PAGE_SIZE
    return portal.render('campaigns.html', participations=records[:PAGE_SIZE],
        filters=filter_names(portal._), filter=filter_, page=page,
        more=more)


# A campaign

def _participation(portal, campaign_id):
    "The dealer's participation in the visible campaign, or a 404"
    pool = portal.pool
    Participation = pool.get('dms.campaign.participation')
    records = Participation.search([
            ('campaign', '=', campaign_id),
            ('dealer', '=', portal.dealer.id),
            ('campaign.state', 'in', VISIBLE_STATES),
            ], limit=1)
    if not records:
        raise NotFound()
    return records[0]


def _answerer(portal):
    """Whether the user may answer for the dealer (plans, declines,
    activities): its administrators and buyers, not its viewers"""
    return portal.user.dealer_role in {'admin', 'buyer'}


def _participation_answered(portal, campaign_id):
    "The participation the user answers for, or a 404 (viewers)"
    participation = _participation(portal, campaign_id)
    if not _answerer(portal):
        raise NotFound()
    return participation


def can_propose(participation):
    "Whether the dealer may send (again) its plan"
    return (participation.campaign.state in OPEN_STATES
        and participation.state in {
            'invited', 'proposed', 'rejected', 'declined'})


def can_decline(participation):
    return (participation.campaign.state in OPEN_STATES
        and participation.state in {'invited', 'proposed'})


def can_report(participation):
    "Whether the dealer may report its activities"
    return participation.reportable


def _products(portal, campaign):
    """The campaign's products of the dealer's catalogue with the dealer's
    price and the campaign's price: [(product, price, offer price)]"""
    pool = portal.pool
    Product = pool.get('product.product')
    ids = campaign.get_product_ids()
    if not ids:
        return []
    products = Product.search([
            ('id', 'in', list(ids)),
            ] + portal.dealer.dms_product_domain(),
        order=[('code', 'ASC'), ('id', 'ASC')], limit=MAX_PRODUCTS)
    prices = Product.dms_sale_prices(products, portal.dealer)
    result = []
    for product in products:
        price = prices.get(product.id)
        offer = None
        if price is not None and campaign.discount:
            offer = campaign.currency.round(price * (1 - campaign.discount))
        result.append((product, price, offer))
    return result


def _proposal_form(participation):
    "The form of the plan, filled with the plan sent"
    def text(value):
        return '' if value is None else str(value)
    return {
        'plan_start': text(participation.plan_start
            or participation.campaign.start_date),
        'plan_end': text(participation.plan_end
            or participation.campaign.end_date),
        'plan': participation.plan or '',
        'expected_sales': text(participation.expected_sales),
        'requested_budget': text(participation.requested_budget),
        }


def _campaign_page(portal, participation, status=200, proposal=None,
        proposal_errors=None, decline=None, decline_errors=None,
        activity=None, activity_errors=None, **chat):
    pool = portal.pool
    Attachment = pool.get('ir.attachment')
    campaign = participation.campaign
    activities = list(participation.activities)
    photos = {a.id: Attachment.dms_shared_of(a) for a in activities}
    answerer = _answerer(portal)
    if proposal is None:
        proposal = _proposal_form(participation)
    figures = None
    # The live figures of the dealer's own participation (monitoring)
    if (participation.state == 'approved'
            and campaign.state in {'running', 'closed', 'evaluated'}
            and hasattr(participation, 'dms_figures')):
        figures = participation.dms_figures()
    return portal.render('campaign.html', status=status,
        campaign=campaign, participation=participation,
        products=_products(portal, campaign),
        materials=Attachment.dms_shared_of(campaign, all_=True),
        activities=activities, photos=photos, figures=figures,
        can_propose=answerer and can_propose(participation),
        can_decline=answerer and can_decline(participation),
        can_report=answerer and can_report(participation),
        proposal=proposal, proposal_errors=proposal_errors or {},
        decline=decline or {}, decline_errors=decline_errors or {},
        activity_form=activity or {'date': str(_today(portal))},
        activity_max=min(campaign.end_date, _today(portal)),
        activity_errors=activity_errors or {},
        activity_kinds=_selection(
            portal, 'dms.campaign.activity', 'kind'),
        photo_accept=','.join('.' + e for e in PHOTO_TYPES),
        max_photos=MAX_PHOTOS,
        **chat_values(portal, participation,
            'campaigns/%s/chat' % campaign.id,
            'campaigns/%s/files/' % campaign.id, **chat))


def _today(portal):
    Date = portal.pool.get('ir.date')
    return Date.today()


@route('/campaigns/<int:campaign_id>')
def campaign(request, portal, campaign_id):
    return _campaign_page(portal, _participation(portal, campaign_id))


register_conversation('campaigns/<int:campaign_id>', _participation,
    lambda portal, campaign_id, **values: _campaign_page(
        portal, _participation(portal, campaign_id), **values))


@route('/campaigns/<int:campaign_id>/files/<int:attachment_id>')
def campaign_file(request, portal, campaign_id, attachment_id):
    "A material of the campaign, a file of the conversation or a photo"
    pool = portal.pool
    Attachment = pool.get('ir.attachment')
    participation = _participation(portal, campaign_id)
    campaign = participation.campaign
    if Attachment.search_count([
                ('id', '=', attachment_id),
                ('resource', '=', str(campaign)),
                ]):
        return shared_file(portal, campaign, attachment_id, all_=True)
    for activity in participation.activities:
        if Attachment.search_count([
                    ('id', '=', attachment_id),
                    ('resource', '=', str(activity)),
                    ]):
            return shared_file(portal, activity, attachment_id)
    return shared_file(portal, participation, attachment_id)


# The forms

def parse_date(value):
    "The date of a form's ISO text, None when empty; ValueError if invalid"
    value = clean_text(value)
    if not value:
        return None
    return dt.date.fromisoformat(value[:10])


def parse_amount(value, currency):
    """The non-negative amount of a form's text rounded to the currency,
    None when empty; ValueError if invalid"""
    value = clean_text(value).replace(' ', '')[:30]
    if not value:
        return None
    if re.fullmatch(r'\d{1,3}(,\d{3})+(\.\d*)?', value):
        # Thousands separated by commas
        value = value.replace(',', '')
    else:
        value = value.replace(',', '.')
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(value)
    if not amount.is_finite() or not 0 <= amount < MAX_AMOUNT:
        raise ValueError(value)
    return currency.round(amount)


def parse_count(value):
    "The non-negative integer of a form's text, None when empty"
    value = clean_text(value)[:20]
    if not value:
        return None
    if not value.isdigit() or int(value) > MAX_COUNT:
        raise ValueError(value)
    return int(value)


def proposal_values(portal, participation, form):
    """The values of participation.submit() from the form and the errors
    by field (translated)"""
    _ = portal._
    campaign = participation.campaign
    errors, values = {}, {}
    for name in ['plan_start', 'plan_end']:
        try:
            values[name] = parse_date(form.get(name))
        except ValueError:
            errors[name] = _("Enter a date.")
        else:
            if values[name] is None:
                errors[name] = _("Enter a date.")
    start, end = values.get('plan_start'), values.get('plan_end')
    if start and end:
        if end < start:
            errors['plan_end'] = _("The end must not be before the start.")
        elif start < campaign.start_date or end > campaign.end_date:
            errors['plan_start'] = _(
                "Your plan must be within the campaign's period "
                "(%(start)s to %(end)s).",
                start=portal.format_date(campaign.start_date),
                end=portal.format_date(campaign.end_date))
    plan = clean_text(form.get('plan'))
    if not plan:
        errors['plan'] = _("Describe the actions you plan.")
    elif len(plan) > MAX_PLAN_SIZE:
        errors['plan'] = _("Write %(size)s characters at most.",
            size=MAX_PLAN_SIZE)
    values['plan'] = plan
    for name in ['expected_sales', 'requested_budget']:
        try:
            values[name] = parse_amount(form.get(name), campaign.currency)
        except ValueError:
            errors[name] = _("Enter an amount of 0 or more.")
    requested = values.get('requested_budget')
    if requested is not None and requested > participation.allocation:
        errors['requested_budget'] = _(
            "The requested budget (%(amount)s) exceeds your allocation "
            "(%(allocation)s).",
            amount=portal.format_money(requested, campaign.currency),
            allocation=portal.format_money(
                participation.allocation, campaign.currency))
    return values, errors


PROPOSAL_FIELDS = [
    'plan_start', 'plan_end', 'plan', 'expected_sales', 'requested_budget']


@route('/campaigns/<int:campaign_id>/proposal', methods=('POST',))
def campaign_proposal(request, portal, campaign_id):
    "Send the dealer's local plan"
    participation = _participation_answered(portal, campaign_id)
    form = {f: request.form.get(f, '')[:MAX_PLAN_SIZE + 1]
        for f in PROPOSAL_FIELDS}
    if not can_propose(participation):
        errors = {'form': portal._(
                "The campaign does not take plans now.")}
    else:
        values, errors = proposal_values(portal, participation, form)
    if not errors:
        try:
            participation.submit(values, portal.user)
        except UserError as exception:
            portal.rollback()
            errors = {'form': exception.message}
    if errors:
        return _campaign_page(portal, _participation(portal, campaign_id),
            status=400, proposal=form, proposal_errors=errors)
    portal.flash('campaign_proposed')
    return portal.redirect('campaigns/%s' % campaign_id)


@route('/campaigns/<int:campaign_id>/decline', methods=('POST',))
def campaign_decline(request, portal, campaign_id):
    "Decline the invitation, with the reason"
    _ = portal._
    participation = _participation_answered(portal, campaign_id)
    reason = clean_text(request.form.get('reason', '')[
            :MAX_REASON_SIZE + 1])
    errors = {}
    if not can_decline(participation):
        errors['form'] = _("The campaign cannot be declined now.")
    elif not reason:
        errors['reason'] = _("Tell the factory why you decline.")
    elif len(reason) > MAX_REASON_SIZE:
        errors['reason'] = _("Write %(size)s characters at most.",
            size=MAX_REASON_SIZE)
    if not errors:
        try:
            participation.decline(reason, portal.user)
        except UserError as exception:
            portal.rollback()
            errors['form'] = exception.message
    if errors:
        return _campaign_page(portal, _participation(portal, campaign_id),
            status=400, decline={'reason': reason}, decline_errors=errors)
    portal.flash('campaign_declined')
    return portal.redirect('campaigns/%s' % campaign_id)


ACTIVITY_FIELDS = ['date', 'kind', 'description', 'participants', 'gifts']


def activity_values(portal, participation, form, photos):
    """The values of the activity of the form and its photos [(name,
    data)], and the errors by field (translated)"""
    pool = portal.pool
    Attachment = pool.get('ir.attachment')
    _ = portal._
    campaign = participation.campaign
    errors, values = {}, {}
    try:
        date = parse_date(form.get('date'))
    except ValueError:
        date = None
    if date is None:
        errors['date'] = _("Enter a date.")
    elif not (campaign.start_date <= date
            <= min(campaign.end_date, _today(portal))):
        errors['date'] = _(
            "The date must be within the campaign's period (%(start)s to "
            "%(end)s) and not in the future.",
            start=portal.format_date(campaign.start_date),
            end=portal.format_date(campaign.end_date))
    values['date'] = date
    kinds = _selection(portal, 'dms.campaign.activity', 'kind')
    if form.get('kind') not in kinds:
        errors['kind'] = _("Choose a kind of activity.")
    values['kind'] = form.get('kind')
    description = clean_text(form.get('description'))
    if not description:
        errors['description'] = _("Describe the activity.")
    elif len(description) > MAX_DESCRIPTION_SIZE:
        errors['description'] = _("Write %(size)s characters at most.",
            size=MAX_DESCRIPTION_SIZE)
    values['description'] = description
    for name in ['participants', 'gifts']:
        try:
            values[name] = parse_count(form.get(name))
        except ValueError:
            errors[name] = _("Enter a whole number of 0 or more.")
    if len(photos) > MAX_PHOTOS:
        errors['photos'] = _("Send %(count)s photos at most.",
            count=MAX_PHOTOS)
    for filename, data in photos:
        extension = filename.rsplit('.', 1)[-1].lower() \
            if '.' in filename else ''
        if extension not in PHOTO_TYPES:
            errors['photos'] = _(
                "%(name)s is not a photo: send %(types)s images.",
                name=filename, types=', '.join(PHOTO_TYPES))
            break
        try:
            Attachment.dms_check_upload(filename, data)
        except UserError as exception:
            errors['photos'] = '%s: %s' % (filename, exception.message)
            break
    return values, errors


def read_photos(request):
    "The [(filename, data)] of the form's photos"
    photos = []
    for upload in request.files.getlist('photos'):
        if not upload or not upload.filename:
            continue
        upload.stream.seek(0)
        photos.append((upload.filename[:255],
                upload.stream.read(MAX_UPLOAD_SIZE + 1)))
    return photos


@route('/campaigns/<int:campaign_id>/activities', methods=('POST',),
    max_size=MAX_PHOTOS * MAX_UPLOAD_SIZE + 64 * 1024)
def campaign_activity(request, portal, campaign_id):
    "Report an activity of the approved participation, with its photos"
    participation = _participation_answered(portal, campaign_id)
    form = {f: request.form.get(f, '')[:MAX_DESCRIPTION_SIZE + 1]
        for f in ACTIVITY_FIELDS}
    photos = read_photos(request)
    if not can_report(participation):
        errors = {'form': portal._(
                "Activities are reported once your plan is approved, "
                "while the campaign runs.")}
    else:
        values, errors = activity_values(
            portal, participation, form, photos)
    if not errors:
        try:
            participation.report_activity(
                values, photos, web_user=portal.user)
        except UserError as exception:
            portal.rollback()
            errors = {'form': exception.message}
    if errors:
        return _campaign_page(portal, _participation(portal, campaign_id),
            status=400, activity=form, activity_errors=errors)
    portal.flash('campaign_activity_reported')
    return portal.redirect('campaigns/%s#activities' % campaign_id)
