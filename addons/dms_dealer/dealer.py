# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
import datetime as dt
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields, tree)
from trytond.model.tree import RecursionError
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .domain import rec_name_domain
from .exceptions import DealerValidationError

STATES = [
    ('prospect', "Prospect"),
    ('active', "Active"),
    ('suspended', "Suspended"),
    ('terminated', "Terminated"),
    ]


class Dealer(Workflow, tree(name='code'), ModelSQL, ModelView):
    __string__ = "Dealer"
    __name__ = 'dms.dealer'
    _rec_name = 'code'

    _states = {
        'readonly': Eval('state') == 'terminated',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        states=_states)
    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'prospect',
            },
        context={
            'company': Eval('company', -1),
            },
        depends=['company'],
        help="The party that represents the dealer company.")
    code = fields.Char(
        "Code", states={
            'readonly': Eval('state') != 'prospect',
            },
        help="Leave empty to use the dealer sequence of the configuration.")
    name = fields.Function(
        fields.Char("Name"), 'get_name', searcher='search_name')
    tier = fields.Many2One(
        'dms.dealer.tier', "Tier", ondelete='RESTRICT',
        states={
            'readonly': ((Eval('state') == 'terminated')
                | (Eval('id', -1) >= 0)),
            'required': Eval('state') == 'active',
            },
        help="Change the tier of an existing dealer with the "
        "\"Change Tier\" action to keep its history.")
    territory = fields.Many2One(
        'dms.territory', "Territory", ondelete='RESTRICT', states=_states)
    parent = fields.Many2One(
        'dms.dealer', "Parent Dealer", ondelete='RESTRICT',
        domain=[
            ('id', '!=', Eval('id', -1)),
            ('company', '=', Eval('company', -1)),
            ],
        states=_states,
        help="The dealer that supplies this sub-dealer, "
        "for multi-level networks.")
    children = fields.One2Many(
        'dms.dealer', 'parent', "Sub-dealers", readonly=True)
    sales_rep = fields.Many2One(
        'company.employee', "Sales Representative", ondelete='SET NULL',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states=_states)
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)
    since_date = fields.Date(
        "Dealer Since", states=_states,
        help="When the dealer was first activated.")
    contract_start_date = fields.Date(
        "Contract Start", states=_states,
        domain=[
            If(Eval('contract_start_date') & Eval('contract_end_date'),
                ('contract_start_date', '<=', Eval('contract_end_date')),
                ()),
            ])
    contract_end_date = fields.Date(
        "Contract End", states=_states,
        domain=[
            If(Eval('contract_start_date') & Eval('contract_end_date'),
                ('contract_end_date', '>=', Eval('contract_start_date')),
                ()),
            ])
    latitude = fields.Numeric(
        "Latitude", digits=(9, 6), states=_states)
    longitude = fields.Numeric(
        "Longitude", digits=(9, 6), states=_states)
    uscc = fields.Function(fields.Char(
            "Unified Social Credit Code", states=_states,
            help="The 18-character 统一社会信用代码 of the dealer company, "
            "checked and kept as an identifier of its party."),
        'get_party_identity', setter='set_party_identity',
        searcher='search_party_identity')
    phone = fields.Function(fields.Char(
            "Phone", states=_states,
            help="The dealer's main phone number, checked and kept as a "
            "contact mechanism of its party."),
        'get_party_identity', setter='set_party_identity',
        searcher='search_party_identity')
    tier_history = fields.One2Many(
        'dms.dealer.tier.history', 'dealer', "Tier History", readonly=True,
        order=[('date', 'DESC'), ('id', 'DESC')])
    sales = fields.One2Many(
        'sale.sale', 'dealer', "Sales", readonly=True,
        order=[('sale_date', 'DESC NULLS FIRST'), ('id', 'DESC')])
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.code.search_unaccented = False
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'dms_dealer.msg_dealer_code_unique'),
            ('party_unique', Unique(t, t.party),
                'dms_dealer.msg_dealer_party_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality(cardinality='low'))),
                Index(t, (t.tier, Index.Range())),
                Index(t, (t.territory, Index.Range())),
                Index(t, (t.parent, Index.Range())),
                })
        cls._order = [('code', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('prospect', 'active'),
            ('prospect', 'terminated'),
            ('active', 'suspended'),
            ('suspended', 'active'),
            ('active', 'terminated'),
            ('suspended', 'terminated'),
            }
        cls._buttons.update({
                'activate': {
                    'invisible': ~Eval('state').in_(['prospect', 'suspended']),
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'suspend': {
                    'invisible': Eval('state') != 'active',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'terminate': {
                    'invisible': Eval('state').in_(['terminated']),
                    'icon': 'tryton-delete',
                    'depends': ['state'],
                    },
                'change_tier': {
                    'invisible': Eval('state') == 'terminated',
                    'readonly': Eval('id', -1) < 0,
                    'depends': ['state', 'id'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'prospect'

    @classmethod
    def default_tier(cls):
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        config = Configuration(1)
        return config.default_tier.id if config.default_tier else None

    def get_name(self, name):
        return self.party.name if self.party else None

    @classmethod
    def search_name(cls, name, clause):
        return [('party.name',) + tuple(clause[1:])]

    def get_party_identity(self, name):
        if not self.party:
            return None
        if name == 'uscc':
            return next((i.code for i in self.party.identifiers
                    if i.type == 'cn_vat'), None)
        return next((m.value for m in self.party.contact_mechanisms
                if m.type == 'phone'), None)

    @classmethod
    def set_party_identity(cls, dealers, name, value):
        "Keep the code or number on the party, where Tryton checks it"
        pool = Pool()
        Identifier = pool.get('party.identifier')
        ContactMechanism = pool.get('party.contact_mechanism')
        value = (value or '').strip()
        if name == 'uscc':
            # Tryton names the USCC (stdnum's cn.uscc) cn_vat, the alias of
            # the tax identifiers
            Record, type_, field = Identifier, 'cn_vat', 'code'
        else:
            Record, type_, field = ContactMechanism, 'phone', 'value'
        to_save, to_delete = [], []
        for dealer in dealers:
            records = Record.search([
                    ('party', '=', dealer.party.id),
                    ('type', '=', type_),
                    ], limit=1)
            if not value:
                to_delete.extend(records)
                continue
            record = records[0] if records else Record(
                party=dealer.party, type=type_)
            setattr(record, field, value)
            to_save.append(record)
        Record.delete(to_delete)
        Record.save(to_save)

    @classmethod
    def search_party_identity(cls, name, clause):
        _, operator, operand, *extra = clause
        if name == 'uscc':
            return [('party.identifiers', 'where', [
                        ('type', '=', 'cn_vat'),
                        ('code', operator, operand, *extra),
                        ])]
        return [('party.contact_mechanisms', 'where', [
                    ('type', '=', 'phone'),
                    ('value', operator, operand, *extra),
                    ])]

    def get_rec_name(self, name):
        if self.party:
            return '[%s] %s' % (self.code, self.party.rec_name)
        return self.code

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, 'code', 'party.rec_name')

    @classmethod
    def current(cls):
        """Return the dealer of the current user: the dealer linked to the
        transaction user (dms_portal adds the portal's web user).  ``None``
        means no dealer scope (factory staff or root)."""
        pool = Pool()
        User = pool.get('res.user')
        dealer_id = User.get_dealer()
        if dealer_id is not None:
            return cls(dealer_id)
        return None

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('code'):
            config = Configuration(1)
            if config.dealer_sequence:
                values['code'] = config.dealer_sequence.get()
        return values

    @classmethod
    def validate_fields(cls, dealers, field_names):
        super().validate_fields(dealers, field_names)
        cls.check_code(dealers, field_names)
        cls.check_coordinates(dealers, field_names)
        cls.check_tier_price_list(dealers, field_names)

    @classmethod
    def check_code(cls, dealers, field_names=None):
        if field_names and 'code' not in field_names:
            return
        for dealer in dealers:
            if not dealer.code or not dealer.code.strip():
                raise DealerValidationError(gettext(
                        'dms_dealer.msg_dealer_code_required',
                        party=dealer.party.rec_name))

    @classmethod
    def check_coordinates(cls, dealers, field_names=None):
        if field_names and not (field_names & {'latitude', 'longitude'}):
            return
        for dealer in dealers:
            if dealer.latitude is not None and not (
                    -90 <= dealer.latitude <= 90):
                raise DealerValidationError(gettext(
                        'dms_dealer.msg_dealer_latitude_invalid',
                        dealer=dealer.rec_name,
                        value=dealer.latitude))
            if dealer.longitude is not None and not (
                    -180 <= dealer.longitude <= 180):
                raise DealerValidationError(gettext(
                        'dms_dealer.msg_dealer_longitude_invalid',
                        dealer=dealer.rec_name,
                        value=dealer.longitude))
            if (dealer.latitude is None) != (dealer.longitude is None):
                raise DealerValidationError(gettext(
                        'dms_dealer.msg_dealer_coordinates_pair',
                        dealer=dealer.rec_name))

    @classmethod
    def check_tier_price_list(cls, dealers, field_names=None):
        if field_names and not (field_names & {'tier', 'state'}):
            return
        for dealer in dealers:
            if (dealer.state == 'active' and dealer.tier
                    and not dealer.tier.price_list):
                raise DealerValidationError(gettext(
                        'dms_dealer.msg_tier_price_list_required',
                        tier=dealer.tier.rec_name,
                        dealer=dealer.rec_name))

    @classmethod
    def check_recursion(cls, dealers, field_names=None):
        try:
            super().check_recursion(dealers, field_names)
        except RecursionError as exception:
            raise DealerValidationError(gettext(
                    'dms_dealer.msg_dealer_parent_recursion')) from exception

    @classmethod
    def on_modification(cls, mode, dealers, field_names=None):
        pool = Pool()
        History = pool.get('dms.dealer.tier.history')
        super().on_modification(mode, dealers, field_names=field_names)
        if mode == 'create':
            History.record([(d, None, d.tier) for d in dealers if d.tier])
        if mode == 'create' or (field_names and 'tier' in field_names):
            cls.sync_party_terms(dealers)

    @classmethod
    def on_write(cls, dealers, values):
        pool = Pool()
        History = pool.get('dms.dealer.tier.history')
        callbacks = super().on_write(dealers, values)
        if 'tier' in values:
            changes = [
                (d.id, d.tier.id if d.tier else None) for d in dealers
                if (d.tier.id if d.tier else None) != values['tier']]
            if changes:
                def record():
                    records = cls.browse([d for d, _ in changes])
                    History.record([
                            (r, old, r.tier)
                            for r, (_, old) in zip(records, changes)])
                callbacks.append(record)
        return callbacks

    @classmethod
    def sync_party_terms(cls, dealers):
        "Copy the tier's price list, payment term and credit limit to parties"
        pool = Pool()
        Party = pool.get('party.party')
        by_company = defaultdict(list)
        for dealer in dealers:
            if dealer.tier:
                by_company[dealer.company.id].append(dealer)
        for company_id, company_dealers in by_company.items():
            # party values are multi-valued per company
            with Transaction().set_context(company=company_id):
                parties = []
                for dealer in company_dealers:
                    tier = dealer.tier
                    party = Party(dealer.party.id)
                    party.sale_price_list = tier.price_list
                    party.customer_payment_term = tier.payment_term
                    party.credit_limit_amount = tier.credit_limit_amount
                    parties.append(party)
                Party.save(parties)

    @classmethod
    def copy(cls, dealers, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('code', None)
        default.setdefault('state', 'prospect')
        default.setdefault('tier_history')
        default.setdefault('sales')
        default.setdefault('since_date')
        return super().copy(dealers, default=default)

    @classmethod
    def check_modification(cls, mode, dealers, values=None, external=False):
        super().check_modification(
            mode, dealers, values=values, external=external)
        if mode == 'delete':
            for dealer in dealers:
                if dealer.state != 'prospect':
                    raise DealerValidationError(gettext(
                            'dms_dealer.msg_dealer_delete_prospect',
                            dealer=dealer.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, dealers):
        pool = Pool()
        Date = pool.get('ir.date')
        today = Date.today()
        for dealer in dealers:
            if not dealer.since_date:
                dealer.since_date = today
        cls.save(dealers)

    @classmethod
    @ModelView.button
    @Workflow.transition('suspended')
    def suspend(cls, dealers):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('terminated')
    def terminate(cls, dealers):
        pass

    @classmethod
    @ModelView.button_action('dms_dealer.wizard_dealer_change_tier')
    def change_tier(cls, dealers):
        pass

    def dms_product_domain(self):
        "The domain of the products the dealer may see"
        return [('salable', '=', True)]

    @classmethod
    def responsible_users(cls, dealers):
        """The factory users to notify per dealer: the users of its sales
        representative, else the active DMS managers"""
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Group = pool.get('res.group')
        reps = {d.sales_rep for d in dealers if d.sales_rep}
        users_of = defaultdict(list)
        if reps:
            for user in User.search([
                        ('employees', 'in', [r.id for r in reps]),
                        ]):
                for employee in user.employees:
                    users_of[employee].append(user)
        managers = None
        result = {}
        for dealer in dealers:
            users = users_of.get(dealer.sales_rep) if dealer.sales_rep else []
            if not users:
                if managers is None:
                    group = Group(ModelData.get_id(
                            'dms_dealer', 'group_dms_manager'))
                    managers = [u for u in group.users if u.active]
                users = managers
            result[dealer] = users
        return result

    @classmethod
    def notify_staff(cls, dealers_records, message_id, model, action=None,
            icon='tryton-notification', **variables):
        """One in-app notification per responsible user of the records of
        each dealer: dealers_records is [(dealer, record)]"""
        pool = Pool()
        Notification = pool.get('res.notification')
        users = cls.responsible_users({d for d, _ in dealers_records})
        per_user = defaultdict(list)
        for dealer, record in dealers_records:
            for user in users[dealer]:
                per_user[user].append((dealer, record))
        to_create = []
        for user, items in per_user.items():
            with Transaction().set_context(language=user.language.code
                    if user.language else None):
                for dealer, record in items:
                    record = record.__class__(record.id)
                    to_create.append({
                            'user': user.id,
                            'label': gettext(message_id,
                                record=record.rec_name,
                                dealer=dealer.rec_name,
                                **variables)[:255],
                            'description': dealer.rec_name[:255],
                            'icon': icon,
                            'model': model,
                            'records': str([record.id]),
                            'action': action,
                            })
        if to_create:
            Notification.create(to_create)


class TierHistory(ModelSQL, ModelView):
    __string__ = "Dealer Tier History"
    __name__ = 'dms.dealer.tier.history'
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", required=True, ondelete='CASCADE',
        readonly=True)
    date = fields.Timestamp("Date", required=True, readonly=True)
    user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='SET NULL')
    from_tier = fields.Many2One(
        'dms.dealer.tier', "From Tier", readonly=True, ondelete='RESTRICT')
    to_tier = fields.Many2One(
        'dms.dealer.tier', "To Tier", readonly=True, ondelete='RESTRICT')
    reason = fields.Text("Reason", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.dealer, Index.Range()), (t.date, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def record(cls, changes):
        """Record tier changes: a list of (dealer, from_tier, to_tier)

        Tiers are records, ids or None.  The reason is taken from the context
        key ``_dms_tier_change_reason``."""
        transaction = Transaction()
        reason = transaction.context.get('_dms_tier_change_reason')
        now = dt.datetime.now()
        vlist = [{
                'dealer': int(dealer),
                'date': now,
                'user': transaction.user or None,
                'from_tier': int(from_tier) if from_tier else None,
                'to_tier': int(to_tier) if to_tier else None,
                'reason': reason,
                } for dealer, from_tier, to_tier in changes]
        if vlist:
            cls.create(vlist)


class ChangeTierStart(ModelView):
    __string__ = "Change Dealer Tier"
    __name__ = 'dms.dealer.change_tier.start'
    dealer = fields.Many2One('dms.dealer', "Dealer", readonly=True)
    current_tier = fields.Many2One(
        'dms.dealer.tier', "Current Tier", readonly=True)
    tier = fields.Many2One(
        'dms.dealer.tier', "New Tier", required=True,
        domain=[('id', '!=', Eval('current_tier', -1))])
    reason = fields.Text("Reason", required=True)


class ChangeTier(Wizard):
    __name__ = 'dms.dealer.change_tier'
    start = StateView('dms.dealer.change_tier.start',
        'dms_dealer.dealer_change_tier_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Change", 'change', 'tryton-ok', default=True),
            ])
    change = StateTransition()

    def default_start(self, fields):
        return {
            'dealer': self.record.id,
            'current_tier': self.record.tier.id if self.record.tier else None,
            }

    def transition_change(self):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        # Wizard forms are not validated by the server
        if not self.start.tier or not (self.start.reason or '').strip():
            raise DealerValidationError(gettext(
                    'dms_dealer.msg_tier_change_tier_reason_required'))
        with Transaction().set_context(
                _dms_tier_change_reason=self.start.reason):
            Dealer.write([self.record], {'tier': self.start.tier.id})
        return 'end'
