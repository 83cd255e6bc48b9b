# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Market feedback of the dealers: structured reports sent from the portal,
triaged, assigned and answered by the factory, and summed up by kind,
product, attribute and territory"""
import datetime as dt
from decimal import Decimal, InvalidOperation

from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case
from sql.functions import Lower, Trim

from trytond.i18n import gettext
from trytond.model import (
    ChatMixin, Index, ModelSQL, ModelView, Workflow, fields)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from dms_portal.exceptions import UploadError
from dms_portal.ir import clean_text

from .exceptions import FeedbackError

KINDS = [
    ('demand', "Demand Preference"),
    ('competitor', "Competitor Move"),
    ('trend', "Local Trend"),
    ('quality', "Quality Issue"),
    ]
STATES = [
    ('new', "New"),
    ('acknowledged', "Acknowledged"),
    ('in_progress', "In Progress"),
    ('closed', "Closed"),
    ]
SIZES = {
    'subject': 200,
    'description': 5000,
    'attribute': 100,
    'competitor': 100,
    'answer': 5000,
    }
# The fields the portal form asks for each kind
KIND_REQUIRED = {
    'demand': ['product'],
    'competitor': ['competitor'],
    'trend': [],
    'quality': ['product', 'description'],
    }
MAX_QUANTITY = 10 ** 9


class Feedback(Workflow, ModelSQL, ModelView, ChatMixin):
    __string__ = "Market Feedback"
    __name__ = 'dms.feedback'
    _rec_name = 'subject'

    _states = {
        'readonly': Eval('state') == 'closed',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        readonly=True)
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('id', -1) >= 0,
            },
        domain=[
            ('company', '=', Eval('company', -1)),
            ])
    territory = fields.Many2One(
        'dms.territory', "Territory", ondelete='RESTRICT', readonly=True,
        help="The territory of the dealer when it reported.")
    author = fields.Many2One(
        'web.user', "Author", readonly=True, ondelete='SET NULL')
    kind = fields.Selection(KINDS, "Kind", required=True, states=_states)
    kind_string = kind.translated('kind')
    # The lengths of the texts are checked in validate_fields: a Char's
    # size widens its entry in the web client to that many characters
    subject = fields.Char("Subject", required=True, states=_states)
    description = fields.Text("Description", states=_states)
    product = fields.Many2One(
        'product.product', "Product", ondelete='RESTRICT', states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    attribute = fields.Char(
        "Attribute", states=_states,
        help="The variant asked for, e.g. a colour or a size.")
    estimated_quantity = fields.Integer(
        "Estimated Volume", states=_states,
        domain=[
            If(Eval('estimated_quantity'),
                ('estimated_quantity', '>=', 0), ()),
            ],
        help="The quantity the dealer thinks it could sell.")
    competitor = fields.Char(
        "Competitor", states={
            'readonly': Eval('state') == 'closed',
            'invisible': Eval('kind') != 'competitor',
            })
    competitor_price = fields.Numeric(
        "Price Seen", digits=(16, 2),
        domain=[
            If(Eval('competitor_price'),
                ('competitor_price', '>=', 0), ()),
            ],
        states={
            'readonly': Eval('state') == 'closed',
            'invisible': Eval('kind') != 'competitor',
            })
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    state = fields.Selection(
        STATES, "State", required=True, readonly=True, sort=False)
    state_string = state.translated('state')
    assignee = fields.Many2One(
        'res.user', "Responsible", ondelete='SET NULL', states=_states,
        help="The factory user who handles the feedback.")
    answer = fields.Text("Answer", states=_states,
        help="The factory's answer, shown to the dealer.")
    answered_at = fields.Timestamp("Answered At", readonly=True)
    closed_at = fields.Timestamp("Closed At", readonly=True)
    reported_at = fields.Function(
        fields.Timestamp("Reported At"), 'get_reported_at')
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [('id', 'DESC')]
        cls._sql_indexes.update({
                Index(t, (t.dealer, Index.Range())),
                Index(t, (t.state, Index.Equality()),
                    where=t.state != 'closed'),
                })
        cls._transitions |= {
            ('new', 'acknowledged'),
            ('new', 'in_progress'),
            ('acknowledged', 'in_progress'),
            ('new', 'closed'),
            ('acknowledged', 'closed'),
            ('in_progress', 'closed'),
            ('closed', 'in_progress'),
            }
        cls._buttons.update({
                'acknowledge': {
                    'invisible': Eval('state') != 'new',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'process': {
                    'invisible': ~Eval('state').in_(['new', 'acknowledged']),
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') == 'closed',
                    'icon': 'tryton-close',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'closed',
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'new'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_reported_at(self, name):
        return self.create_date

    def get_rec_name(self, name):
        return '#%s %s' % (self.id, self.subject)

    @classmethod
    def search_rec_name(cls, name, clause):
        return ['OR',
            ('subject', *clause[1:]),
            ('dealer.rec_name', *clause[1:]),
            ]

    @property
    def dms_portal_path(self):
        return 'feedback/%s' % self.id

    @property
    def dms_chat_dealer(self):
        return self.dealer

    @property
    def dms_chat_resource(self):
        return self

    @property
    def dms_chat_subject(self):
        return self.rec_name

    def chat_language(self, audience='internal'):
        if audience == 'public' and self.dealer.party.lang:
            return self.dealer.party.lang.code

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('dealer'):
            dealer = Dealer(values['dealer'])
            values.setdefault('company', dealer.company.id)
            if 'territory' not in values:
                values['territory'] = (
                    dealer.territory.id if dealer.territory else None)
        if values.get('answer') and mode == 'write':
            values['answered_at'] = dt.datetime.now()
        return values

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        for field in SIZES:
            if not field_names or field in field_names:
                for record in records:
                    if len(getattr(record, field) or '') > SIZES[field]:
                        raise FeedbackError(gettext(
                                'dms_communication.msg_feedback_size',
                                field=cls.fields_get([field])[field][
                                    'string'],
                                size=SIZES[field]))

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        Dealer = pool.get('dms.dealer')
        ModelData = pool.get('ir.model.data')
        super().on_modification(mode, records, field_names=field_names)
        if mode == 'create':
            # The factory users responsible for the dealer follow it
            Dealer.notify_staff([(r.dealer, r) for r in records],
                'dms_communication.msg_feedback_staff_notification',
                cls.__name__, action=ModelData.get_id(
                    'dms_communication', 'act_feedback_form'),
                icon='tryton-chat')
            cls._subscribe_responsible(records)
        elif mode == 'write' and field_names and 'answer' in field_names:
            for record in records:
                if record.answer:
                    Notification.notify_dealers([record.dealer], 'feedback',
                        record,
                        'dms_communication.msg_notification_feedback_answer',
                        {'feedback': record.rec_name},
                        text=Notification.excerpt(record.answer))

    @classmethod
    def _subscribe_responsible(cls, records):
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        Follower = pool.get('ir.chat.follower')
        Dealer = pool.get('dms.dealer')
        users = Dealer.responsible_users({r.dealer for r in records})
        for record in records:
            channel = Channel._get_channel(record)
            for user in users[record.dealer]:
                Follower.add_user(channel, user)

    @classmethod
    def _notify_state(cls, records, state):
        "Tell the dealer the feedback reached state"
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        records = [r for r in records if r.state != state]
        for record in records:
            Notification.notify_dealers([record.dealer], 'feedback', record,
                'dms_communication.msg_notification_feedback_%s' % state,
                {'feedback': record.rec_name})

    @classmethod
    @ModelView.button
    @Workflow.transition('acknowledged')
    def acknowledge(cls, records):
        cls._set_assignee(records)
        cls._notify_state(records, 'acknowledged')

    @classmethod
    @ModelView.button
    @Workflow.transition('in_progress')
    def process(cls, records):
        cls._set_assignee(records)
        cls._notify_state(records, 'in_progress')

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, records):
        cls._notify_state(records, 'closed')
        cls.write(records, {'closed_at': dt.datetime.now()})

    @classmethod
    @ModelView.button
    @Workflow.transition('in_progress')
    def reopen(cls, records):
        cls._notify_state(records, 'in_progress')
        cls.write(records, {'closed_at': None})

    @classmethod
    def _set_assignee(cls, records):
        user = Transaction().user
        without = [r for r in records if not r.assignee]
        if without and user:
            cls.write(without, {'assignee': user})

    @classmethod
    def dms_portal_submit(cls, web_user, form, filename=None, data=None):
        """Create the feedback of the portal user from the form's texts

        Return (feedback, errors) where errors is {field: message}; nothing
        is saved when there is an error."""
        pool = Pool()
        Product = pool.get('product.product')
        Attachment = pool.get('ir.attachment')
        dealer = web_user.dealer
        errors = {}
        values = {
            'dealer': dealer.id,
            'author': web_user.id,
            }
        kind = form.get('kind')
        if kind not in dict(KINDS):
            errors['kind'] = gettext('dms_communication.msg_feedback_kind')
            kind = None
        values['kind'] = kind
        for name in ['subject', 'description', 'attribute', 'competitor']:
            text = clean_text(form.get(name))
            if len(text) > SIZES[name]:
                errors[name] = gettext(
                    'dms_communication.msg_feedback_field_size',
                    size=SIZES[name])
            values[name] = text or None
        if not values['subject']:
            errors['subject'] = gettext(
                'dms_communication.msg_feedback_required')
        code = clean_text(form.get('product'))
        values['product'] = None
        if code:
            products = Product.search([
                    ('code', '=', code[:100]),
                    ] + dealer.dms_product_domain(), limit=1)
            if products:
                values['product'] = products[0].id
            else:
                errors['product'] = gettext(
                    'dms_communication.msg_feedback_product', code=code[:100])
        quantity = clean_text(form.get('estimated_quantity'))
        values['estimated_quantity'] = None
        if quantity:
            try:
                values['estimated_quantity'] = int(quantity)
            except ValueError:
                errors['estimated_quantity'] = gettext(
                    'dms_communication.msg_feedback_quantity')
            else:
                if not 0 <= values['estimated_quantity'] <= MAX_QUANTITY:
                    errors['estimated_quantity'] = gettext(
                        'dms_communication.msg_feedback_quantity')
        price = clean_text(form.get('competitor_price'))
        values['competitor_price'] = None
        if price:
            try:
                value = Decimal(price.replace(',', '.')[:30])
                if not value.is_finite() or not 0 <= value < 10 ** 12:
                    raise InvalidOperation
            except InvalidOperation:
                errors['competitor_price'] = gettext(
                    'dms_communication.msg_feedback_price')
            else:
                values['competitor_price'] = value.quantize(Decimal('0.01'))
        if kind:
            for name in KIND_REQUIRED[kind]:
                if not values.get(name) and name not in errors:
                    errors[name] = gettext(
                        'dms_communication.msg_feedback_required')
        if filename:
            try:
                Attachment.dms_check_upload(filename, data)
            except UploadError as exception:
                errors['file'] = exception.message
        if errors:
            return None, errors
        feedback, = cls.create([values])
        if filename:
            Attachment.dms_upload(feedback, filename, data)
        return feedback, {}


class Summary(ModelSQL, ModelView):
    __string__ = "Feedback Summary"
    __name__ = 'dms.feedback.summary'
    kind = fields.Selection(KINDS, "Kind", readonly=True)
    product = fields.Many2One('product.product', "Product", readonly=True)
    attribute = fields.Char("Attribute", readonly=True)
    territory = fields.Many2One('dms.territory', "Territory", readonly=True)
    count = fields.Integer("Reports", readonly=True)
    dealer_count = fields.Integer("Dealers", readonly=True)
    estimated_quantity = fields.Integer("Estimated Volume", readonly=True)
    open_count = fields.Integer("Open", readonly=True)
    last_reported_at = fields.Timestamp("Last Report", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('count', 'DESC'), ('last_reported_at', 'DESC'), ('id', 'DESC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Feedback = pool.get('dms.feedback')
        feedback = Feedback.__table__()
        context = Transaction().context
        where = feedback.company == context.get('company', -1)
        if context.get('from_date'):
            where &= feedback.create_date >= dt.datetime.combine(
                context['from_date'], dt.time())
        if context.get('to_date'):
            where &= feedback.create_date < dt.datetime.combine(
                context['to_date'] + dt.timedelta(days=1), dt.time())
        if context.get('kind'):
            where &= feedback.kind == context['kind']
        # The attribute as reported, without case nor spaces (grouped on a
        # column: PostgreSQL does not match parametrized expressions)
        reports = feedback.select(
            feedback.id, feedback.kind, feedback.product,
            Lower(Trim(feedback.attribute)).as_('attribute'),
            feedback.territory, feedback.dealer, feedback.state,
            feedback.estimated_quantity, feedback.create_date,
            where=where)
        return reports.select(
            Min(reports.id).as_('id'),
            reports.kind.as_('kind'),
            reports.product.as_('product'),
            reports.attribute.as_('attribute'),
            reports.territory.as_('territory'),
            Count(reports.id).as_('count'),
            Count(reports.dealer, distinct=True).as_('dealer_count'),
            Sum(reports.estimated_quantity).as_('estimated_quantity'),
            Sum(Case((reports.state != 'closed', 1), else_=0)).as_(
                'open_count'),
            Max(reports.create_date).as_('last_reported_at'),
            group_by=[reports.kind, reports.product, reports.attribute,
                reports.territory])


class SummaryContext(ModelView):
    __string__ = "Feedback Summary Context"
    __name__ = 'dms.feedback.summary.context'
    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date("From Date",
        domain=[
            If(Eval('to_date') & Eval('from_date'),
                ('from_date', '<=', Eval('to_date')), ()),
            ])
    to_date = fields.Date("To Date",
        domain=[
            If(Eval('to_date') & Eval('from_date'),
                ('to_date', '>=', Eval('from_date')), ()),
            ])
    kind = fields.Selection([(None, "")] + KINDS, "Kind")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_from_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Transaction().context.get('from_date') or (
            Date.today() - dt.timedelta(days=90))

