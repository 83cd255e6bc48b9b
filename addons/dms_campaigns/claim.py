# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The dealers' claims of marketing money against their participations in
campaigns, with proof, deadlines and the factory's decision

A claim is made against an approved participation with proof attached
(invoices, photos: files of the claim), by the campaign's claim deadline.
The factory approves it in full or in part (never more than claimed and
than what the dealer may still claim for the participation, see
``Claim.claimable``) or rejects it; an approved claim is settled by a
credit note or a deduction on the dealer's next order (settlement.py)."""
import datetime as dt
import json
from decimal import Decimal, InvalidOperation

from sql.aggregate import Count, Sum

from trytond import backend
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import (
    ChatMixin, Index, ModelSQL, ModelView, Workflow, fields)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, without_check_access

from dms_dealer.domain import rec_name_domain
from dms_portal.exceptions import UploadError
from dms_portal.ir import clean_text

# The days after its end a campaign takes claims when it has no deadline
CLAIM_DAYS = 30
MAX_DESCRIPTION_SIZE = 5000
STATES = [
    ('draft', "Draft"),
    ('submitted', "Submitted"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ('settled', "Settled"),
    ('cancelled', "Cancelled"),
    ]
SETTLEMENT_METHODS = [
    ('credit_note', "Credit Note"),
    ('deduction', "Deduction on the Next Order"),
    ]
# The claims that take money from a participation
COUNTED_STATES = ['approved', 'settled']


class ClaimError(UserError):
    "A claim that cannot be saved, move on or be settled"


class Campaign(metaclass=PoolMeta):
    __name__ = 'dms.campaign'
    claim_deadline = fields.Date(
        "Claim Deadline",
        domain=[
            If(Bool(Eval('claim_deadline')) & Bool(Eval('start_date')),
                ('claim_deadline', '>=', Eval('start_date')), ()),
            ],
        help="The last day the dealers may submit claims for the campaign; "
        "empty for %s days after its end." % CLAIM_DAYS)

    @property
    def claim_deadline_used(self):
        if self.claim_deadline:
            return self.claim_deadline
        if self.end_date:
            return self.end_date + dt.timedelta(days=CLAIM_DAYS)

    @classmethod
    def copy(cls, campaigns, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('claim_deadline', None)
        return super().copy(campaigns, default=default)


class Claim(Workflow, ModelSQL, ModelView, ChatMixin):
    __string__ = "Campaign Claim"
    __name__ = 'dms.campaign.claim'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        readonly=True)
    participation = fields.Many2One(
        'dms.campaign.participation', "Participation", required=True,
        ondelete='RESTRICT',
        domain=[
            If(Eval('state') == 'draft',
                ('state', '=', 'approved'), ()),
            ],
        states=_states)
    campaign = fields.Function(
        fields.Many2One('dms.campaign', "Campaign"),
        'on_change_with_campaign', searcher='search_campaign')
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", required=True, ondelete='RESTRICT',
        readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount Claimed", currency='currency', digits='currency',
        required=True, domain=[('amount', '>', 0)], states=_states)
    description = fields.Text(
        "Description", required=True, states=_states,
        help="What the money was spent on.")
    deadline = fields.Function(
        fields.Date("Deadline"), 'on_change_with_deadline')
    approved_amount = Monetary(
        "Approved Amount", currency='currency', digits='currency',
        domain=['OR',
            ('approved_amount', '=', None),
            ('approved_amount', '>=', 0),
            ],
        states={
            'readonly': Eval('state') != 'submitted',
            'invisible': Eval('state') == 'draft',
            },
        help="The amount the factory grants: the claimed one or less; "
        "empty for the amount claimed.")
    comment = fields.Text(
        "Factory Comment",
        states={
            'readonly': ~Eval('state').in_(['draft', 'submitted']),
            },
        help="The factory's answer to the claim, shown to the dealer.")
    proof_count = fields.Function(
        fields.Integer("Proof Files"), 'get_proof_count')
    settlement_method = fields.Selection(
        [(None, '')] + SETTLEMENT_METHODS, "Settlement Method",
        readonly=True)
    settlement_method_string = settlement_method.translated(
        'settlement_method')
    credit_note = fields.Many2One(
        'account.invoice', "Credit Note", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('credit_note'),
            })
    paid = fields.Function(Monetary(
            "Paid", currency='currency', digits='currency'),
        'get_paid')
    submitted_at = fields.Timestamp("Submitted At", readonly=True)
    submitted_by = fields.Many2One(
        'web.user', "Submitted By", readonly=True)
    decided_at = fields.Timestamp("Decided At", readonly=True)
    decided_by = fields.Many2One('res.user', "Decided By", readonly=True)
    settled_at = fields.Timestamp("Settled At", readonly=True)
    state = fields.Selection(
        STATES, "State", required=True, readonly=True, sort=False)
    state_string = state.translated('state')
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('participation')
        cls._order = [('id', 'DESC')]
        cls._sql_indexes.update({
                Index(t, (t.dealer, Index.Range()),
                    (t.state, Index.Equality())),
                Index(t, (t.participation, Index.Range())),
                })
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'approved'),
            ('submitted', 'rejected'),
            ('submitted', 'draft'),
            ('rejected', 'draft'),
            ('approved', 'settled'),
            ('draft', 'cancelled'),
            ('submitted', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['submitted', 'rejected', 'cancelled']),
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'settle': {
                    'invisible': Eval('state') != 'approved',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'submitted']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @fields.depends('participation')
    def on_change_participation(self):
        if self.participation:
            self.dealer = self.participation.dealer
            self.company = self.participation.campaign.company

    @fields.depends('participation')
    def on_change_with_campaign(self, name=None):
        return self.participation.campaign if self.participation else None

    @classmethod
    def search_campaign(cls, name, clause):
        return [('participation.campaign' + clause[0][len(name):],)
            + tuple(clause[1:])]

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('participation')
    def on_change_with_deadline(self, name=None):
        if self.participation and self.participation.campaign:
            return self.participation.campaign.claim_deadline_used

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Participation = pool.get('dms.campaign.participation')
        values = super().preprocess_values(mode, values)
        if values.get('participation') is not None:
            participation = Participation(values['participation'])
            values['dealer'] = participation.dealer.id
            values['company'] = participation.campaign.company.id
        return values

    @property
    def dms_portal_path(self):
        return 'claims/%s' % self.id

    @property
    def dms_chat_dealer(self):
        return self.dealer

    @property
    def dms_chat_resource(self):
        return self

    @property
    def dms_chat_subject(self):
        return self.rec_name

    def get_rec_name(self, name):
        return '%s #%s' % (self.participation.campaign.rec_name, self.id)

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(
            clause, 'participation.campaign.rec_name', 'dealer.rec_name')

    @classmethod
    def get_proof_count(cls, claims, name):
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        attachment = Attachment.__table__()
        cursor = Transaction().connection.cursor()
        result = {c.id: 0 for c in claims}
        resources = [str(c) for c in claims]
        for sub in grouped_slice(resources, backend.MAX_QUERY_PARAMS):
            cursor.execute(*attachment.select(
                    attachment.resource, Count(attachment.id),
                    where=attachment.resource.in_(list(sub))
                    & (attachment.type == 'data'),
                    group_by=[attachment.resource]))
            for resource, count in cursor:
                result[int(resource.split(',')[1])] = count
        return result

    @classmethod
    def get_paid(cls, claims, name):
        pool = Pool()
        Line = pool.get('dms.campaign.fund.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        result = {c.id: Decimal(0) for c in claims}
        for sub in grouped_slice(
                [c.id for c in claims], backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.select(
                    line.claim, line.paid,
                    where=reduce_ids(line.claim, sub)
                    & (line.kind == 'settlement')))
            for claim, paid in cursor:
                result[claim] += Decimal(str(paid or 0))
        return result

    @classmethod
    def validate_fields(cls, claims, field_names):
        super().validate_fields(claims, field_names)
        if not field_names or 'description' in field_names:
            for claim in claims:
                if len(claim.description or '') > MAX_DESCRIPTION_SIZE:
                    raise ClaimError(gettext(
                            'dms_campaigns.msg_claim_description_size',
                            size=MAX_DESCRIPTION_SIZE))
        if not field_names or field_names & {'approved_amount', 'amount'}:
            for claim in claims:
                if (claim.approved_amount is not None
                        and claim.approved_amount > claim.amount):
                    raise ClaimError(gettext(
                            'dms_campaigns.msg_claim_approved_over_claimed',
                            claim=claim.rec_name,
                            approved=claim.format_amount(
                                claim.approved_amount),
                            amount=claim.format_amount(claim.amount)))

    @classmethod
    def check_modification(cls, mode, claims, values=None, external=False):
        super().check_modification(
            mode, claims, values=values, external=external)
        if mode == 'delete':
            for claim in claims:
                if claim.state not in {'draft', 'cancelled'}:
                    raise ClaimError(gettext(
                            'dms_campaigns.msg_claim_delete',
                            claim=claim.rec_name))

    @classmethod
    def copy(cls, claims, default=None):
        default = default.copy() if default is not None else {}
        for name in ['approved_amount', 'comment', 'settlement_method',
                'credit_note', 'submitted_at', 'submitted_by', 'decided_at',
                'decided_by', 'settled_at']:
            default.setdefault(name, None)
        return super().copy(claims, default=default)

    def format_amount(self, amount):
        pool = Pool()
        Lang = pool.get('ir.lang')
        return Lang.get().currency(amount, self.currency)

    # The limits of a claim

    @classmethod
    def claimable(cls, participations, exclude=()):
        """What each dealer may still claim for each participation (by id):
        the approved budget less the approved claims, and beyond it the
        dealer's fund balance that no participation holds (its accrued
        money), never more than the dealer's balance"""
        pool = Pool()
        Participation = pool.get('dms.campaign.participation')
        Line = pool.get('dms.campaign.fund.line')
        dealers = {p.dealer for p in participations}
        # Every approved participation of the dealers holds its budget left
        held = Participation.search([
                ('dealer', 'in', [d.id for d in dealers]),
                ('state', '=', 'approved'),
                ])
        left = cls._participation_left(held, exclude=exclude)
        for participation in participations:
            left.setdefault(participation.id, Decimal(0))
        balances = Line.balances([d.id for d in dealers])
        # The claims excluded are not taken from the balance yet
        excluded = cls.browse([c for c in exclude
                if c.state in COUNTED_STATES])
        for claim in excluded:
            balance, to_pay = balances[claim.dealer.id]
            balances[claim.dealer.id] = (
                balance + (claim.approved_amount or 0), to_pay)
        free = {}
        for dealer in dealers:
            balance = balances[dealer.id][0]
            free[dealer.id] = balance - sum(
                max(left[p.id], 0) for p in held if p.dealer == dealer)
        result = {}
        for participation in participations:
            balance = balances[participation.dealer.id][0]
            amount = max(left[participation.id], 0) + max(
                free[participation.dealer.id], 0)
            result[participation.id] = max(min(amount, balance), 0)
        return result

    @classmethod
    def _participation_left(cls, participations, exclude=()):
        "The approved budget of each participation less its claims"
        claims = cls.search([
                ('participation', 'in', [p.id for p in participations]),
                ('state', 'in', COUNTED_STATES),
                ('id', 'not in', [c.id for c in exclude]),
                ])
        left = {p.id: p.approved_budget or Decimal(0)
            for p in participations}
        for claim in claims:
            left[claim.participation.id] -= claim.approved_amount or 0
        return left

    def check_claimable(self, amount, claimable):
        if amount > claimable:
            raise ClaimError(gettext(
                    'dms_campaigns.msg_claim_over_claimable',
                    claim=self.rec_name,
                    amount=self.format_amount(amount),
                    claimable=self.format_amount(claimable)))

    def check_deadline(self):
        pool = Pool()
        Date = pool.get('ir.date')
        Lang = pool.get('ir.lang')
        with Transaction().set_context(company=self.company.id):
            today = Date.today()
        deadline = self.deadline
        if deadline and today > deadline:
            raise ClaimError(gettext(
                    'dms_campaigns.msg_claim_after_deadline',
                    campaign=self.participation.campaign.rec_name,
                    deadline=Lang.get().strftime(deadline)))

    def check_participation(self):
        if self.participation.state != 'approved':
            raise ClaimError(gettext(
                    'dms_campaigns.msg_claim_participation_not_approved',
                    participation=self.participation.rec_name))

    # The workflow

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, claims):
        cls.write(claims, {
                'approved_amount': None,
                'decided_at': None,
                'decided_by': None,
                })

    @classmethod
    @ModelView.button
    def submit(cls, claims):
        cls.send(claims)

    @classmethod
    @Workflow.transition('submitted')
    def send(cls, claims, web_user=None):
        """Send the claims to the factory: each with its proof, by the
        deadline, within what the dealer may claim (the portal sends the
        dealer's claims with web_user)"""
        claimable = cls.claimable(
            list({c.participation for c in claims}), exclude=claims)
        for claim in claims:
            claim.check_participation()
            claim.check_deadline()
            if not claim.proof_count:
                raise ClaimError(gettext(
                        'dms_campaigns.msg_claim_no_proof',
                        claim=claim.rec_name))
            claim.check_claimable(
                claim.amount, claimable[claim.participation.id])
            claim.submitted_at = dt.datetime.now()
            if web_user:
                claim.submitted_by = web_user
        cls.save(claims)
        cls.notify_dealer(claims,
            'dms_campaigns.msg_notification_claim_submitted')
        cls.notify_factory(claims, 'submitted')

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, claims):
        """Approve the claims for their approved amount (the claimed one
        when empty): the money is taken from the dealer's fund"""
        pool = Pool()
        Line = pool.get('dms.campaign.fund.line')
        Date = pool.get('ir.date')
        claimable = cls.claimable(
            list({c.participation for c in claims}), exclude=claims)
        to_create = []
        for claim in claims:
            if claim.approved_amount is None:
                claim.approved_amount = claim.amount
            if claim.approved_amount > claim.amount:
                raise ClaimError(gettext(
                        'dms_campaigns.msg_claim_approved_over_claimed',
                        claim=claim.rec_name,
                        approved=claim.format_amount(claim.approved_amount),
                        amount=claim.format_amount(claim.amount)))
            left = claimable[claim.participation.id]
            claim.check_claimable(claim.approved_amount, left)
            # The claims approved together share the same money
            claimable[claim.participation.id] = left - claim.approved_amount
            claim.decided_at = dt.datetime.now()
            claim.decided_by = Transaction().user
            with Transaction().set_context(company=claim.company.id):
                today = Date.today()
            to_create.append({
                    'company': claim.company.id,
                    'dealer': claim.dealer.id,
                    'date': today,
                    'kind': 'claim',
                    'amount': -claim.approved_amount,
                    'claim': claim.id,
                    'origin': str(claim),
                    'description': claim.participation.campaign.name,
                    })
        cls.save(claims)
        # The ledger is written by the system, whoever approves
        with without_check_access():
            Line.create(to_create)
        cls.notify_dealer(claims,
            'dms_campaigns.msg_notification_claim_approved')

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    def reject(cls, claims):
        for claim in claims:
            claim.approved_amount = None
            claim.decided_at = dt.datetime.now()
            claim.decided_by = Transaction().user
        cls.save(claims)
        cls.notify_dealer(claims,
            'dms_campaigns.msg_notification_claim_rejected')

    @classmethod
    @ModelView.button
    @Workflow.transition('settled')
    def settle(cls, claims):
        "Pay the approved claims as configured (see settlement.py)"
        cls.write(claims, {'settled_at': dt.datetime.now()})
        cls.notify_dealer(claims,
            'dms_campaigns.msg_notification_claim_settled')

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, claims):
        pass

    # The notifications are the system's, whoever moves the claim (the
    # dealer's portal user too)

    @classmethod
    @without_check_access
    def notify_dealer(cls, claims, message_id):
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        for claim in claims:
            campaign = claim.participation.campaign
            Notification.notify_dealers([claim.dealer], 'campaign', claim,
                message_id, {'campaign': campaign._translated('name')},
                text=claim.comment)

    @classmethod
    @without_check_access
    def notify_factory(cls, claims, event):
        """Tell the factory users responsible for the dealers (sales rep,
        else the DMS managers) that a dealer claims"""
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        Notification = pool.get('res.notification')
        Configuration = pool.get('ir.configuration')
        users = Dealer.responsible_users({c.dealer for c in claims})
        message_id = {
            'submitted': 'dms_campaigns.msg_factory_claim_submitted',
            }[event]
        to_create = []
        for claim in claims:
            for user in users[claim.dealer]:
                with Transaction().set_context(
                        language=user.language.code if user.language
                        else Configuration.get_language()):
                    label = gettext(message_id,
                        dealer=claim.dealer.rec_name,
                        campaign=claim.participation.campaign.rec_name,
                        amount=claim.format_amount(claim.amount))
                to_create.append({
                        'user': user.id,
                        'label': label,
                        'model': cls.__name__,
                        'records': json.dumps([claim.id]),
                        })
        if to_create:
            Notification.create(to_create)

    # The portal

    @classmethod
    def dms_portal_submit(cls, web_user, participation, form, filename=None,
            data=None):
        """Create and submit the claim of the portal user on participation
        from the form's texts (amount, description) with the uploaded proof

        Return (claim, errors) where errors is {field: message}; nothing is
        saved when there is an error."""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        errors = {}
        description = clean_text(form.get('description'))
        if not description:
            errors['description'] = gettext(
                'dms_campaigns.msg_claim_required')
        elif len(description) > MAX_DESCRIPTION_SIZE:
            errors['description'] = gettext(
                'dms_campaigns.msg_claim_description_size',
                size=MAX_DESCRIPTION_SIZE)
        amount = parse_amount(form.get('amount'))
        if amount is None:
            errors['amount'] = gettext('dms_campaigns.msg_claim_amount')
        if not filename:
            errors['file'] = gettext(
                'dms_campaigns.msg_claim_no_proof_file')
        else:
            try:
                Attachment.dms_check_upload(filename, data)
            except UploadError as exception:
                errors['file'] = exception.message
        if errors:
            return None, errors
        claim, = cls.create([{
                    'participation': participation.id,
                    'amount': participation.campaign.currency.round(amount),
                    'description': description,
                    }])
        Attachment.dms_upload(claim, filename, data)
        try:
            cls.send([claim], web_user=web_user)
        except ClaimError as exception:
            return None, {'amount': exception.message}
        return claim, {}


def parse_amount(value):
    "The positive amount of a form's text, or None"
    text = (value or '').strip().replace(',', '')[:30]
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or not 0 < amount < 10 ** 12:
        return None
    return amount


class Participation(metaclass=PoolMeta):
    __name__ = 'dms.campaign.participation'

    @classmethod
    def get_spend(cls, participations):
        """The money spent: the approved amounts of the approved and
        settled claims"""
        pool = Pool()
        Claim = pool.get('dms.campaign.claim')
        claim = Claim.__table__()
        cursor = Transaction().connection.cursor()
        result = super().get_spend(participations)
        ids = list(map(int, participations))
        for sub in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*claim.select(
                    claim.participation, Sum(claim.approved_amount),
                    where=reduce_ids(claim.participation, sub)
                    & claim.state.in_(COUNTED_STATES),
                    group_by=[claim.participation]))
            for participation, amount in cursor:
                result[participation] = Decimal(str(amount or 0))
        return result


class Notification(metaclass=PoolMeta):
    "The dealer's inbox tells of the factory's answers to its claims"
    __name__ = 'dms.dealer.notification'

    @classmethod
    def _resource_models(cls):
        return super()._resource_models() + ['dms.campaign.claim']
