# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Co-marketing campaigns: the factory's plan (goal, period, products,
audience, materials, budget and its allocation per dealer, the price offer
and the channels), the dealers' participations with their local plans and
activity reports, and the log of the changes made while it runs

The price offer is a Tryton ``sale.promotion`` (see sale.py) and the
campaign a Tryton ``marketing.campaign``, which its orders carry so that
Tryton's own reports group the sales by campaign."""
import datetime as dt
import json
from decimal import ROUND_DOWN, Decimal

from sql import Literal, Null, Union
from sql.aggregate import Count, Sum
from sql.conditionals import Coalesce

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    ChatMixin, Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from dms_dealer.domain import rec_name_domain

from .exceptions import (
    CampaignError, CampaignOverlapWarning, ParticipationError)
from .monitor import dealer_figures, growth, roi

KINDS = [
    ('promotion', "Promotion"),
    ('launch', "Product Launch"),
    ('event', "Event"),
    ('advertising', "Advertising"),
    ]
AUDIENCES = [
    ('all', "All Dealers"),
    ('tiers', "Tiers"),
    ('territories', "Territories"),
    ('dealers', "Dealers"),
    ]
ALLOCATION_RULES = [
    ('equal', "Equal Shares"),
    ('tier_rate', "Tier Marketing-Fund Rate"),
    ('sell_in', "Last Period's Sell-in"),
    ]
OFFER_SCOPES = [
    ('participants', "Approved Participants"),
    ('audience', "Whole Audience"),
    ]
STATES = [
    ('draft', "Draft"),
    ('proposed', "Proposed"),
    ('approved', "Approved"),
    ('running', "Running"),
    ('closed', "Closed"),
    ('evaluated', "Evaluated"),
    ('cancelled', "Cancelled"),
    ]
# The states in which the dealers of the audience see the campaign
VISIBLE_STATES = ['proposed', 'approved', 'running', 'closed', 'evaluated']
# The dealers a campaign reaches
AUDIENCE_DEALER_STATES = ['active', 'suspended']
# The orders counted as sell-in
SELL_IN_STATES = ['confirmed', 'processing', 'done']
# Changes of a running campaign that are logged and told to participants
LOGGED_FIELDS = ['end_date', 'discount', 'stackable', 'budget']
MAX_NAME_SIZE = 120


class Campaign(Workflow, ModelSQL, ModelView, ChatMixin):
    __string__ = "Campaign"
    __name__ = 'dms.campaign'

    _states = {
        'readonly': ~Eval('state').in_(['draft', 'proposed']),
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'draft',
            })
    name = fields.Char(
        "Name", required=True, translate=True, states=_states)
    kind = fields.Selection(KINDS, "Kind", required=True, states=_states)
    kind_string = kind.translated('kind')
    goal = fields.Text("Goal", translate=True, states=_states)
    start_date = fields.Date(
        "Start Date", required=True,
        domain=[
            If(Bool(Eval('end_date')),
                ('start_date', '<=', Eval('end_date')), ()),
            ],
        states=_states)
    end_date = fields.Date(
        "End Date", required=True,
        domain=[
            If(Bool(Eval('start_date')),
                ('end_date', '>=', Eval('start_date')), ()),
            ],
        states={
            'readonly': ~Eval('state').in_(
                ['draft', 'proposed', 'approved', 'running']),
            },
        help="Changing it while the campaign runs is logged and told to "
        "the participants.")
    proposal_deadline = fields.Date(
        "Proposal Deadline", states=_states,
        help="The day by which the dealers send their local plans.")
    audience = fields.Selection(
        AUDIENCES, "Audience", required=True,
        states={
            'readonly': Eval('state') != 'draft',
            })
    tiers = fields.Many2Many(
        'dms.campaign-dms.dealer.tier', 'campaign', 'tier', "Tiers",
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('audience') != 'tiers',
            'required': Eval('audience') == 'tiers',
            })
    territories = fields.Many2Many(
        'dms.campaign-dms.territory', 'campaign', 'territory',
        "Territories",
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('audience') != 'territories',
            'required': Eval('audience') == 'territories',
            },
        help="The dealers of these territories and of the territories "
        "below them.")
    dealers = fields.Many2Many(
        'dms.campaign-dms.dealer', 'campaign', 'dealer', "Dealers",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('audience') != 'dealers',
            'required': Eval('audience') == 'dealers',
            })
    products = fields.Many2Many(
        'dms.campaign-product.product', 'campaign', 'product',
        "Products", states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    categories = fields.Many2Many(
        'dms.campaign-product.category', 'campaign', 'category',
        "Categories", states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The products of these categories and of the categories "
        "below them take part too.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    budget = Monetary(
        "Budget", currency='currency', digits='currency', required=True,
        domain=[('budget', '>=', 0)],
        states={
            'readonly': ~Eval('state').in_(
                ['draft', 'proposed', 'approved', 'running']),
            },
        help="The marketing money of the campaign, allocated to the "
        "dealers.")
    allocation_rule = fields.Selection(
        ALLOCATION_RULES, "Allocation Rule", required=True, states=_states,
        help="How 'Allocate' shares the budget among the dealers of the "
        "audience; the shares can be edited afterwards.")
    allocated = fields.Function(Monetary(
            "Allocated", currency='currency', digits='currency'),
        'get_amounts')
    unallocated = fields.Function(Monetary(
            "Unallocated", currency='currency', digits='currency'),
        'get_amounts')
    discount = fields.Numeric(
        "Discount", digits=(1, 4),
        domain=['OR',
            ('discount', '=', None),
            [('discount', '>', 0), ('discount', '<', 1)],
            ],
        states={
            'readonly': ~Eval('state').in_(
                ['draft', 'proposed', 'approved', 'running']),
            },
        help="The price offer of the campaign: the share taken off the "
        "dealer's price of the campaign's products (0.1 for 10%); "
        "empty for none.")
    offer_scope = fields.Selection(
        OFFER_SCOPES, "Offer For", required=True, states=_states,
        help="The dealers whose orders get the offer.")
    stackable = fields.Boolean(
        "Stack on Other Offers",
        states={
            'readonly': ~Eval('state').in_(
                ['draft', 'proposed', 'approved', 'running']),
            'invisible': ~Eval('discount'),
            },
        help="Apply the discount on the price left by the other campaigns' "
        "offers; otherwise the dealer gets the best of the offers.")
    promotion = fields.Many2One(
        'sale.promotion', "Promotion", readonly=True, ondelete='RESTRICT',
        help="The Tryton promotion that applies the offer to the orders.")
    marketing_campaign = fields.Many2One(
        'marketing.campaign', "Marketing Campaign", readonly=True,
        ondelete='RESTRICT',
        help="The campaign the orders are marked with in Tryton's sales "
        "reports.")
    channels = fields.Many2Many(
        'dms.campaign-dms.channel', 'campaign', 'channel', "Channels",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': ~Eval('state').in_(
                ['draft', 'proposed', 'approved', 'running']),
            },
        help="The channels the campaign is published to.")
    participations = fields.One2Many(
        'dms.campaign.participation', 'campaign', "Participations",
        states={
            'readonly': ~Eval('state').in_(['draft', 'proposed']),
            })
    participant_count = fields.Function(
        fields.Integer("Participants"), 'get_counts')
    invited_count = fields.Function(
        fields.Integer("Invited"), 'get_counts')
    changes = fields.One2Many(
        'dms.campaign.change', 'campaign', "Changes", readonly=True)
    # The live figures (see monitor.py)
    revenue = fields.Function(Monetary(
            "Revenue", currency='currency', digits='currency',
            help="The participants' revenue on the campaign's products "
            "during the campaign (up to today while it runs)."),
        'get_monitoring')
    previous_revenue = fields.Function(Monetary(
            "Previous Revenue", currency='currency', digits='currency',
            help="The participants' revenue on the same products during "
            "the period of the same length just before."),
        'get_monitoring')
    revenue_growth = fields.Function(fields.Float(
            "Growth %", digits=(16, 1)), 'get_monitoring')
    order_count = fields.Function(fields.Integer(
            "Orders", help="The participants' orders with campaign "
            "products."), 'get_monitoring')
    control_growth = fields.Function(fields.Float(
            "Control Group Growth %", digits=(16, 1),
            help="The growth of the dealers of the audience that do not "
            "take part (or, when all take part, of the dealers of the "
            "participants' tiers outside the audience)."),
        'get_monitoring')
    uplift = fields.Function(fields.Float(
            "Uplift (points)", digits=(16, 1),
            help="The participants' growth less the control group's."),
        'get_monitoring')
    expected_revenue = fields.Function(Monetary(
            "Expected Revenue", currency='currency', digits='currency',
            help="The participants' previous revenue grown as the control "
            "group's: what they would have sold without the campaign."),
        'get_monitoring')
    incremental_revenue = fields.Function(Monetary(
            "Incremental Revenue", currency='currency', digits='currency'),
        'get_monitoring')
    incremental_margin = fields.Function(Monetary(
            "Incremental Margin", currency='currency', digits='currency',
            help="The incremental revenue at the margin rate of the "
            "campaign's sales (revenue less the products' cost)."),
        'get_monitoring')
    discount_given = fields.Function(Monetary(
            "Discount Given", currency='currency', digits='currency',
            help="What the campaign's price took off the orders."),
        'get_monitoring')
    approved_budget = fields.Function(Monetary(
            "Approved Budget", currency='currency', digits='currency'),
        'get_monitoring')
    spend = fields.Function(Monetary(
            "Spend", currency='currency', digits='currency',
            help="The dealers' approved claims."),
        'get_monitoring')
    roi = fields.Function(fields.Float(
            "ROI", digits=(16, 2),
            help="The incremental margin divided by the spend and the "
            "discount given."),
        'get_monitoring')
    activity_count = fields.Function(fields.Integer(
            "Activities"), 'get_monitoring')
    people_reached = fields.Function(fields.Integer(
            "People Reached"), 'get_monitoring')
    gifts = fields.Function(fields.Integer(
            "Gifts Handed Out"), 'get_monitoring')
    state = fields.Selection(
        STATES, "State", required=True, readonly=True, sort=False)
    state_string = state.translated('state')
    proposed_at = fields.Timestamp("Proposed At", readonly=True)
    approved_by = fields.Many2One('res.user', "Approved By", readonly=True)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality()),
                    (t.start_date, Index.Range())),
                })
        cls._transitions |= {
            ('draft', 'proposed'),
            ('proposed', 'draft'),
            ('proposed', 'approved'),
            ('approved', 'running'),
            ('running', 'closed'),
            ('closed', 'evaluated'),
            ('draft', 'cancelled'),
            ('proposed', 'cancelled'),
            ('approved', 'cancelled'),
            ('running', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'allocate': {
                    'invisible': ~Eval('state').in_(['draft', 'proposed']),
                    'icon': 'tryton-launch',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['proposed', 'cancelled']),
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'propose': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'proposed',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'run': {
                    'invisible': Eval('state') != 'approved',
                    'icon': 'tryton-launch',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'running',
                    'icon': 'tryton-close',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'proposed', 'approved', 'running']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'evaluate': {
                    'invisible': Eval('state') != 'closed',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_kind(cls):
        return 'promotion'

    @classmethod
    def default_audience(cls):
        return 'all'

    @classmethod
    def default_allocation_rule(cls):
        return 'equal'

    @classmethod
    def default_offer_scope(cls):
        return 'participants'

    @classmethod
    def default_stackable(cls):
        return False

    @classmethod
    def default_budget(cls):
        return Decimal(0)

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @property
    def dms_portal_path(self):
        return 'campaigns/%s' % self.id

    def _translated(self, name):
        "A callable reading the field in the language of the context"
        return lambda: getattr(self.__class__(self.id), name)

    @classmethod
    def get_amounts(cls, campaigns, names):
        pool = Pool()
        Participation = pool.get('dms.campaign.participation')
        participation = Participation.__table__()
        cursor = Transaction().connection.cursor()
        allocated = {c.id: Decimal(0) for c in campaigns}
        for sub in grouped_slice(
                [c.id for c in campaigns], backend.MAX_QUERY_PARAMS):
            cursor.execute(*participation.select(
                    participation.campaign,
                    Sum(Coalesce(participation.allocation, 0)),
                    where=participation.campaign.in_(list(sub)),
                    group_by=[participation.campaign]))
            for campaign, amount in cursor:
                allocated[campaign] = Decimal(str(amount or 0))
        result = {}
        for campaign in campaigns:
            amount = campaign.currency.round(allocated[campaign.id])
            if 'allocated' in names:
                result.setdefault('allocated', {})[campaign.id] = amount
            if 'unallocated' in names:
                result.setdefault('unallocated', {})[campaign.id] = (
                    campaign.budget - amount)
        return result

    @classmethod
    def get_counts(cls, campaigns, names):
        pool = Pool()
        Participation = pool.get('dms.campaign.participation')
        participation = Participation.__table__()
        cursor = Transaction().connection.cursor()
        result = {n: {c.id: 0 for c in campaigns} for n in names}
        for sub in grouped_slice(
                [c.id for c in campaigns], backend.MAX_QUERY_PARAMS):
            cursor.execute(*participation.select(
                    participation.campaign, participation.state,
                    Count(participation.id),
                    where=participation.campaign.in_(list(sub)),
                    group_by=[participation.campaign, participation.state]))
            for campaign, state, count in cursor:
                if 'invited_count' in result:
                    result['invited_count'][campaign] += count
                if 'participant_count' in result and state == 'approved':
                    result['participant_count'][campaign] += count
        return result

    @classmethod
    def get_monitoring(cls, campaigns, names):
        result = {n: {} for n in names}
        for campaign in campaigns:
            values = campaign.monitoring_figures()
            for name in names:
                result[name][campaign.id] = values.get(name)
        return result

    def monitoring_figures(self, activities=None):
        "The live figures of the campaign by field name"
        pool = Pool()
        Participation = pool.get('dms.campaign.participation')
        currency = self.company.currency
        values = dict.fromkeys([
                'revenue', 'previous_revenue', 'expected_revenue',
                'incremental_revenue', 'incremental_margin',
                'discount_given', 'approved_budget', 'spend'], Decimal(0))
        values.update(dict.fromkeys(
                ['order_count', 'activity_count', 'people_reached',
                    'gifts'], 0))
        if self.state in {'draft', 'proposed', 'cancelled'} and not (
                self.promotion):
            return values
        # Queried and summed: the records of a thousand participations
        # would cost more than the figures
        participation = Participation.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*participation.select(
                participation.id, participation.approved_budget,
                where=(participation.campaign == self.id)
                & (participation.state == 'approved')))
        participants = []
        for participant, budget in cursor:
            participants.append(participant)
            if budget is not None:
                values['approved_budget'] += Decimal(str(budget))
        if activities is None:
            activities = Participation.activity_totals(participants)
        dealers, control = dealer_figures(self)
        spend = Participation.get_spend(participants)
        for name, key in [
                ('revenue', 'revenue'),
                ('previous_revenue', 'previous_revenue'),
                ('order_count', 'number'),
                ('expected_revenue', 'expected_revenue'),
                ('incremental_revenue', 'incremental_revenue'),
                ('incremental_margin', 'incremental_margin'),
                ('discount_given', 'discount'),
                ]:
            values[name] = sum(
                (f[key] for f in dealers.values()), values[name])
        for participant in participants:
            values['spend'] += spend.get(participant, 0)
            totals = activities.get(participant, {})
            values['activity_count'] += totals.get('count', 0)
            values['people_reached'] += totals.get('people', 0)
            values['gifts'] += totals.get('gifts', 0)
        values['revenue_growth'] = growth(
            values['revenue'], values['previous_revenue'])
        values['control_growth'] = growth(
            control['revenue'], control['previous_revenue'])
        values['uplift'] = (values['revenue_growth']
            - (values['control_growth'] or 0)
            if values['revenue_growth'] is not None else None)
        values['roi'] = roi(values['incremental_margin'],
            values['spend'] + values['discount_given'])
        for name in ['approved_budget', 'spend']:
            values[name] = currency.round(values[name])
        return values

    @classmethod
    def validate_fields(cls, campaigns, field_names):
        super().validate_fields(campaigns, field_names)
        if not field_names or 'name' in field_names:
            for campaign in campaigns:
                if len(campaign.name or '') > MAX_NAME_SIZE:
                    raise CampaignError(gettext(
                            'dms_campaigns.msg_campaign_name_size',
                            size=MAX_NAME_SIZE))
        if not field_names or 'budget' in field_names:
            cls.check_allocation(campaigns)

    @classmethod
    def check_allocation(cls, campaigns):
        "The allocations of a campaign never exceed its budget"
        pool = Pool()
        Lang = pool.get('ir.lang')
        for campaign in campaigns:
            if campaign.allocated > campaign.budget:
                lang = Lang.get()
                raise CampaignError(gettext(
                        'dms_campaigns.msg_campaign_over_budget',
                        campaign=campaign.rec_name,
                        allocated=lang.currency(
                            campaign.allocated, campaign.currency),
                        budget=lang.currency(
                            campaign.budget, campaign.currency)))

    @classmethod
    def check_modification(cls, mode, campaigns, values=None, external=False):
        super().check_modification(
            mode, campaigns, values=values, external=external)
        if mode == 'delete':
            for campaign in campaigns:
                if campaign.state not in {'draft', 'cancelled'} or (
                        campaign.promotion or campaign.proposed_at):
                    raise CampaignError(gettext(
                            'dms_campaigns.msg_campaign_delete',
                            campaign=campaign.rec_name))

    @classmethod
    def copy(cls, campaigns, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('promotion', None)
        default.setdefault('marketing_campaign', None)
        default.setdefault('changes', None)
        default.setdefault('proposed_at', None)
        default.setdefault('approved_by', None)
        default.setdefault('participations', None)
        return super().copy(campaigns, default=default)

    # The audience

    def audience_domain(self):
        "The domain of the dealers the campaign is addressed to"
        domain = [
            ('company', '=', self.company.id),
            ('state', 'in', AUDIENCE_DEALER_STATES),
            ]
        if self.audience == 'tiers':
            domain.append(('tier', 'in', [t.id for t in self.tiers]))
        elif self.audience == 'territories':
            domain.append(('territory', 'child_of',
                    [t.id for t in self.territories], 'parent'))
        elif self.audience == 'dealers':
            domain.append(('id', 'in', self._relation_ids('dealers')))
        return domain

    def _relation_ids(self, name):
        """The ids of the Many2Many field name: a query of its table once
        the campaign is saved (the records of thousands of dealers would
        cost more than the query), else a list"""
        field = self._fields[name]
        if self.id is None or self.id < 0:
            return [r.id for r in getattr(self, name)]
        Relation = Pool().get(field.relation_name)
        relation = Relation.__table__()
        return relation.select(getattr(relation, field.target),
            where=getattr(relation, field.origin) == self.id)

    def audience_dealers(self):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        return Dealer.search(self.audience_domain(), order=[('id', 'ASC')])

    def check_audience(self):
        for audience, field, message in [
                ('tiers', 'tiers', 'msg_campaign_no_tiers'),
                ('territories', 'territories', 'msg_campaign_no_territories'),
                ('dealers', 'dealers', 'msg_campaign_no_dealers'),
                ]:
            if self.audience == audience and not getattr(self, field):
                raise CampaignError(gettext(
                        'dms_campaigns.%s' % message,
                        campaign=self.rec_name))

    def product_domain(self, prefix=''):
        "The domain of the campaign's products (prefix: path to a product)"
        clauses = ['OR']
        products = self._relation_ids('products')
        if not isinstance(products, list) or products:
            clauses.append(
                (prefix + 'id' if prefix else 'id', 'in', products))
        if self.categories:
            clauses.append(
                (prefix + 'categories_all', 'child_of',
                    [c.id for c in self.categories], 'parent'))
        if len(clauses) == 1:
            return []
        return clauses

    def get_product_ids(self):
        "The ids of the products of the campaign"
        pool = Pool()
        Product = pool.get('product.product')
        domain = self.product_domain()
        if not domain:
            return set()
        with Transaction().set_context(active_test=False):
            return {p.id for p in Product.search([domain])}

    # The groups of dealers monitored

    def monitoring_period(self):
        """The days of the campaign the figures count: up to today while
        it has not ended"""
        pool = Pool()
        Date = pool.get('ir.date')
        with Transaction().set_context(company=self.company.id):
            today = Date.today()
        end = self.end_date
        if self.state not in {'closed', 'evaluated'}:
            end = min(end, today)
        return self.start_date, max(end, self.start_date)

    @without_check_access
    def group_query(self, group, dealer_id=None):
        """The SQL query of the ids of the group's dealers: the
        participants (approved plans) or the control group (the dealers of
        the audience that do not take part; when all take part, the dealers
        of the participants' tiers outside the audience)"""
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        Participation = pool.get('dms.campaign.participation')
        participation = Participation.__table__()
        participants = participation.select(participation.dealer,
            where=(participation.campaign == self.id)
            & (participation.state == 'approved'))
        extra = [('id', '=', dealer_id)] if dealer_id else []
        if group == 'participants':
            if dealer_id:
                participants.where &= participation.dealer == dealer_id
            return participants
        with Transaction().set_context(active_test=False):
            domain = self.audience_domain() + [
                ('id', 'not in', participants)]
            if not Dealer.search(domain, limit=1, order=[]):
                dealer = Dealer.__table__()
                tiers = dealer.select(dealer.tier,
                    where=dealer.id.in_(participants)
                    & (dealer.tier != Null))
                domain = [
                    ('company', '=', self.company.id),
                    ('state', 'in', AUDIENCE_DEALER_STATES),
                    ('tier', 'in', tiers),
                    ('id', 'not in', Dealer.search(
                            self.audience_domain(), query=True, order=[])),
                    ]
            return Dealer.search(domain + extra, query=True, order=[])

    @without_check_access
    def product_query(self):
        """The SQL query of the ids of the campaign's products: those of
        product_domain, its categories as categories_all (a template's
        categories and its account category), in sub-queries the database
        filters before it unites them"""
        pool = Pool()
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        TemplateCategory = pool.get('product.template-product.category')
        Category = pool.get('product.category')
        product = Product.__table__()
        queries = []
        products = self._relation_ids('products')
        if not isinstance(products, list) or products:
            if isinstance(products, list):
                queries.append(product.select(product.id,
                        where=product.id.in_(products)))
            else:
                queries.append(products)
        if self.categories:
            template = Template.__table__()
            template_category = TemplateCategory.__table__()
            with Transaction().set_context(active_test=False):
                categories = Category.search([
                        ('parent', 'child_of',
                            [c.id for c in self.categories]),
                        ], query=True, order=[])
            templates = Union(
                template_category.select(template_category.template,
                    where=template_category.category.in_(categories)),
                template.select(template.id,
                    where=template.account_category.in_(categories)),
                all_=True)
            queries.append(product.select(product.id,
                    where=product.template.in_(templates)))
        if not queries:
            return product.select(product.id, where=Literal(False))
        if len(queries) == 1:
            return queries[0]
        return Union(*queries, all_=True)

    # The allocation of the budget

    @classmethod
    def _ensure_participations(cls, campaigns):
        """Create the participations of the audience's dealers that have
        none; remove those of dealers no longer addressed while the
        campaign is a draft"""
        pool = Pool()
        Participation = pool.get('dms.campaign.participation')
        to_create, to_delete = [], []
        for campaign in campaigns:
            campaign.check_audience()
            dealers = campaign.audience_dealers()
            existing = {p.dealer: p for p in campaign.participations}
            for dealer in dealers:
                if dealer not in existing:
                    to_create.append({
                            'campaign': campaign.id,
                            'dealer': dealer.id,
                            'allocation': Decimal(0),
                            })
            if campaign.state == 'draft':
                addressed = set(dealers)
                to_delete.extend(p for d, p in existing.items()
                    if d not in addressed and p.state == 'invited')
        if to_delete:
            Participation.delete(to_delete)
        for sub in grouped_slice(to_create, 500):
            Participation.create(list(sub))

    @classmethod
    @ModelView.button
    def allocate(cls, campaigns):
        """Share each campaign's budget among the dealers of its audience by
        its rule, rounded down to the cent, the cents left going one by one
        to the largest shares"""
        pool = Pool()
        Participation = pool.get('dms.campaign.participation')
        cls._ensure_participations(campaigns)
        campaigns = cls.browse(campaigns)
        to_write = []
        for campaign in campaigns:
            if campaign.state not in {'draft', 'proposed'}:
                continue
            participations = [p for p in campaign.participations
                if p.state not in {'declined', 'rejected'}]
            if not participations:
                continue
            weights = campaign.allocation_weights(
                [p.dealer for p in participations])
            shares = campaign.share(campaign.budget,
                [weights.get(p.dealer.id, 0) for p in participations])
            for participation, share in zip(participations, shares):
                to_write.extend(([participation], {'allocation': share}))
        if to_write:
            Participation.write(*to_write)
        cls.check_allocation(cls.browse(campaigns))

    def allocation_weights(self, dealers):
        "The weight of each dealer (by id) in the allocation of the budget"
        if self.allocation_rule == 'tier_rate':
            return {d.id: (d.tier.marketing_fund_rate or 0) if d.tier else 0
                for d in dealers}
        elif self.allocation_rule == 'sell_in':
            return self.sell_in(dealers, *self.previous_period())
        return {d.id: 1 for d in dealers}

    def share(self, total, weights):
        """Split total in proportion to weights, rounded down to the
        currency's unit, the units left given to the largest weights;
        equal shares when all weights are 0"""
        total = Decimal(total or 0)
        if not weights:
            return []
        weights = [Decimal(str(w or 0)) for w in weights]
        if not any(weights):
            weights = [Decimal(1)] * len(weights)
        unit = (self.currency.rounding if self.currency
            else Decimal('0.01'))
        whole = sum(weights)
        shares = [((total * w / whole) / unit).to_integral_value(
                rounding=ROUND_DOWN) * unit for w in weights]
        left = int(((total - sum(shares)) / unit).to_integral_value(
                rounding=ROUND_DOWN))
        order = sorted(range(len(weights)), key=lambda i: (-weights[i], i))
        for i in order[:left]:
            shares[i] += unit
        return shares

    def previous_period(self):
        "The period of the same length just before the campaign"
        length = (self.end_date - self.start_date).days + 1
        end = self.start_date - dt.timedelta(days=1)
        return end - dt.timedelta(days=length - 1), end

    def sell_in(self, dealers, start, end):
        """The confirmed sell-in of each dealer (by id) from start to end,
        in the company currency at the sale's date"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Currency = pool.get('currency.currency')
        result = {d.id: Decimal(0) for d in dealers}
        for sub in grouped_slice(
                [d.id for d in dealers], backend.MAX_QUERY_PARAMS):
            sales = Sale.search([
                    ('company', '=', self.company.id),
                    ('dealer', 'in', list(sub)),
                    ('state', 'in', SELL_IN_STATES),
                    ('sale_date', '>=', start),
                    ('sale_date', '<=', end),
                    ])
            for sale in sales:
                with Transaction().set_context(date=sale.sale_date):
                    result[sale.dealer.id] += Currency.compute(
                        sale.currency, sale.untaxed_amount,
                        self.company.currency, round=False)
        return result

    # The workflow

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, campaigns):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('proposed')
    def propose(cls, campaigns):
        """Send the campaign to its audience: each dealer is invited to
        propose its local plan"""
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        Participation = pool.get('dms.campaign.participation')
        for campaign in campaigns:
            campaign.check_audience()
        cls._ensure_participations(campaigns)
        first = [c for c in campaigns if not c.proposed_at]
        cls.write(first, {'proposed_at': dt.datetime.now()})
        for campaign in cls.browse(campaigns):
            cls.check_allocation([campaign])
            invited = [p for p in campaign.participations
                if p.state == 'invited' and not p.invited_at]
            if not invited:
                continue
            Participation.write(invited, {'invited_at': dt.datetime.now()})
            for participation in invited:
                Notification.notify_dealers([participation.dealer],
                    'campaign', participation,
                    'dms_campaigns.msg_notification_campaign_invitation',
                    {'campaign': campaign._translated('name')},
                    text=campaign._translated('goal'))

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, campaigns):
        """Approve the plan: its promotion and marketing campaign are made
        (the offer applies once the campaign runs)"""
        pool = Pool()
        Warning = pool.get('res.user.warning')
        for campaign in campaigns:
            overlaps = campaign.overlapping()
            if overlaps:
                key = Warning.format('dms_campaign_overlap', [campaign])
                if Warning.check(key):
                    raise CampaignOverlapWarning(key, gettext(
                            'dms_campaigns.msg_campaign_overlap',
                            campaign=campaign.rec_name,
                            others=', '.join(c.rec_name for c in overlaps)))
        cls.write(list(campaigns), {'approved_by': Transaction().user})
        cls.sync_offer(campaigns)

    @classmethod
    @ModelView.button
    @Workflow.transition('running')
    def run(cls, campaigns):
        cls.sync_offer(campaigns, active=True)
        cls._publish(campaigns, 'campaign.published')

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, campaigns):
        cls.sync_offer(campaigns, active=False)
        cls._publish(campaigns, 'campaign.ended')

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, campaigns):
        running = [c for c in campaigns if c.state == 'running']
        cls.sync_offer([c for c in campaigns if c.promotion], active=False)
        if running:
            cls._publish(running, 'campaign.ended')

    @classmethod
    @ModelView.button
    @Workflow.transition('evaluated')
    def evaluate(cls, campaigns):
        "Freeze the figures of the closed campaigns for next time"
        pool = Pool()
        Evaluation = pool.get('dms.campaign.evaluation')
        Evaluation.compute(campaigns)

    @classmethod
    def _publish(cls, campaigns, event):
        "Write the deliveries of the event to the channels' outbox"
        pool = Pool()
        Channel = pool.get('dms.channel')
        Channel.publish(campaigns, event)

    @classmethod
    def update_states(cls):
        """Run the approved campaigns whose period has begun and close the
        running ones whose period has ended (the scheduled job)"""
        pool = Pool()
        Date = pool.get('ir.date')
        today = Date.today()
        to_run = cls.search([
                ('state', '=', 'approved'),
                ('start_date', '<=', today),
                ('end_date', '>=', today),
                ])
        if to_run:
            cls.run(to_run)
        to_close = cls.search([
                ('state', 'in', ['approved', 'running']),
                ('end_date', '<', today),
                ])
        if to_close:
            # A campaign approved too late closes without having run
            for campaign in to_close:
                if campaign.state == 'approved':
                    campaign.state = 'running'
            cls.save(to_close)
            cls.close(to_close)

    # The price offer

    def overlapping(self):
        """The approved or running campaigns whose offer reaches a product
        and a dealer of this one in the same days"""
        if not self.discount:
            return []
        others = self.search([
                ('id', '!=', self.id),
                ('company', '=', self.company.id),
                ('state', 'in', ['approved', 'running']),
                ('discount', '!=', None),
                ('start_date', '<=', self.end_date),
                ('end_date', '>=', self.start_date),
                ])
        if not others:
            return []
        products = self.get_product_ids()
        dealers = {d.id for d in self.audience_dealers()}
        result = []
        for other in others:
            if (products & other.get_product_ids()
                    and dealers & {d.id for d in other.audience_dealers()}):
                result.append(other)
        return result

    @property
    def promotion_formula(self):
        "The formula of the promotion: the discount off the unit price"
        return 'unit_price * (1 - Decimal(%r))' % str(self.discount)

    def get_promotion_values(self):
        def relation(name):
            # Many2Many has no 'set' action: what the promotion has too
            # many is removed, the campaign's added
            new = [r.id for r in getattr(self, name)]
            old = ([r.id for r in getattr(self.promotion, name)]
                if self.promotion else [])
            actions = []
            if set(old) - set(new):
                actions.append(('remove', sorted(set(old) - set(new))))
            if new:
                actions.append(('add', new))
            return actions
        return {
            'name': self.name,
            'company': self.company.id,
            'start_date': self.start_date,
            'end_date': self.end_date,
            'formula': self.promotion_formula,
            'products': relation('products'),
            'categories': relation('categories'),
            }

    @classmethod
    def sync_offer(cls, campaigns, active=None):
        """Create or update the promotion and marketing campaign of the
        campaigns; active switches the promotion on or off"""
        pool = Pool()
        Promotion = pool.get('sale.promotion')
        MarketingCampaign = pool.get('marketing.campaign')
        for campaign in campaigns:
            if not campaign.marketing_campaign:
                campaign.marketing_campaign = MarketingCampaign(
                    name='%s (%s)' % (campaign.name, campaign.id))
                campaign.marketing_campaign.save()
            if campaign.discount and (campaign.products
                    or campaign.categories):
                values = campaign.get_promotion_values()
                if active is not None:
                    values['active'] = active
                if campaign.promotion:
                    Promotion.write([campaign.promotion], values)
                else:
                    values.setdefault('active', False)
                    values['dms_campaign'] = campaign.id
                    campaign.promotion, = Promotion.create([values])
            elif campaign.promotion:
                Promotion.write([campaign.promotion], {'active': False})
        cls.save(campaigns)

    @without_check_access
    def offers_to(self, dealer_id):
        "Whether the orders of the dealer get the campaign's offer now"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        Participation = pool.get('dms.campaign.participation')
        if self.state != 'running' or not dealer_id:
            return False
        if self.offer_scope == 'audience':
            return bool(Dealer.search(
                    self.audience_domain() + [('id', '=', dealer_id)],
                    count=True))
        return bool(Participation.search([
                    ('campaign', '=', self.id),
                    ('dealer', '=', dealer_id),
                    ('state', '=', 'approved'),
                    ], count=True))

    # The changes of a running campaign

    @classmethod
    def write(cls, *args):
        pool = Pool()
        Change = pool.get('dms.campaign.change')
        actions = iter(args)
        before = {}
        for campaigns, values in zip(actions, actions):
            logged = set(values) & set(LOGGED_FIELDS)
            if not logged:
                continue
            for campaign in campaigns:
                if campaign.state == 'running':
                    before[campaign.id] = {
                        f: getattr(campaign, f) for f in logged}
        super().write(*args)
        if not before:
            return
        changed = []
        to_create = []
        for campaign in cls.browse(list(before)):
            for field, old in before[campaign.id].items():
                new = getattr(campaign, field)
                if new != old:
                    to_create.append({
                            'campaign': campaign.id,
                            'field': field,
                            'old_value': Change.format_value(
                                campaign, field, old),
                            'new_value': Change.format_value(
                                campaign, field, new),
                            'user': Transaction().user,
                            })
                    if campaign not in changed:
                        changed.append(campaign)
        if to_create:
            Change.create(to_create)
            cls.sync_offer(changed)
            cls.notify_change(changed)
            cls._publish(changed, 'campaign.updated')

    @classmethod
    def notify_change(cls, campaigns):
        "Tell the participants that the campaign changed"
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        for campaign in campaigns:
            for participation in campaign.participations:
                if participation.state != 'approved':
                    continue
                Notification.notify_dealers([participation.dealer],
                    'campaign', participation,
                    'dms_campaigns.msg_notification_campaign_changed',
                    {'campaign': campaign._translated('name')},
                    text=campaign.changes_text)

    @property
    def changes_text(self):
        "The last changes of the campaign, one per line"
        pool = Pool()
        Change = pool.get('dms.campaign.change')
        changes = Change.search([('campaign', '=', self.id)],
            order=[('create_date', 'DESC'), ('id', 'DESC')], limit=5)
        return '\n'.join(c.rec_name for c in changes)


class Campaign_Tier(ModelSQL):
    __string__ = "Campaign - Tier"
    __name__ = 'dms.campaign-dms.dealer.tier'
    campaign = fields.Many2One(
        'dms.campaign', "Campaign", required=True, ondelete='CASCADE')
    tier = fields.Many2One(
        'dms.dealer.tier', "Tier", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('campaign')


class Campaign_Territory(ModelSQL):
    __string__ = "Campaign - Territory"
    __name__ = 'dms.campaign-dms.territory'
    campaign = fields.Many2One(
        'dms.campaign', "Campaign", required=True, ondelete='CASCADE')
    territory = fields.Many2One(
        'dms.territory', "Territory", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('campaign')


class Campaign_Dealer(ModelSQL):
    __string__ = "Campaign - Dealer"
    __name__ = 'dms.campaign-dms.dealer'
    campaign = fields.Many2One(
        'dms.campaign', "Campaign", required=True, ondelete='CASCADE')
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('campaign')


class Campaign_Product(ModelSQL):
    __string__ = "Campaign - Product"
    __name__ = 'dms.campaign-product.product'
    campaign = fields.Many2One(
        'dms.campaign', "Campaign", required=True, ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('campaign')


class Campaign_Category(ModelSQL):
    __string__ = "Campaign - Category"
    __name__ = 'dms.campaign-product.category'
    campaign = fields.Many2One(
        'dms.campaign', "Campaign", required=True, ondelete='CASCADE')
    category = fields.Many2One(
        'product.category', "Category", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('campaign')


class Campaign_Channel(ModelSQL):
    __string__ = "Campaign - Channel"
    __name__ = 'dms.campaign-dms.channel'
    campaign = fields.Many2One(
        'dms.campaign', "Campaign", required=True, ondelete='CASCADE')
    channel = fields.Many2One(
        'dms.channel', "Channel", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('campaign')


class Change(ModelSQL, ModelView):
    __string__ = "Campaign Change"
    __name__ = 'dms.campaign.change'
    campaign = fields.Many2One(
        'dms.campaign', "Campaign", required=True, ondelete='CASCADE',
        readonly=True)
    field = fields.Selection('get_fields', "Field", readonly=True)
    field_string = field.translated('field')
    old_value = fields.Char("Old Value", readonly=True)
    new_value = fields.Char("New Value", readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    date = fields.Function(fields.Timestamp("Date"), 'get_date')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('campaign')
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def get_fields(cls):
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        return [(f, getattr(Campaign, f).string) for f in LOGGED_FIELDS]

    def get_date(self, name):
        return self.create_date

    def get_rec_name(self, name):
        return '%s: %s → %s' % (
            self.field_string, self.old_value or '', self.new_value or '')

    @staticmethod
    def format_value(campaign, field, value):
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        if value is None:
            return ''
        if isinstance(value, dt.date):
            return lang.strftime(value)
        if field == 'discount':
            return lang.format('%.2f', value * 100) + '%'
        if field == 'budget':
            return lang.currency(value, campaign.currency)
        if isinstance(value, bool):
            return gettext('dms_campaigns.msg_yes' if value
                else 'dms_campaigns.msg_no')
        return str(value)

    @classmethod
    def check_modification(cls, mode, changes, values=None, external=False):
        super().check_modification(
            mode, changes, values=values, external=external)
        if mode in {'write', 'delete'} and external:
            raise AccessError(gettext('dms_campaigns.msg_change_readonly'))


PARTICIPATION_STATES = [
    ('invited', "Invited"),
    ('proposed', "Proposed"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ('declined', "Declined"),
    ]


class Participation(Workflow, ModelSQL, ModelView, ChatMixin):
    __string__ = "Campaign Participation"
    __name__ = 'dms.campaign.participation'

    _plan_states = {
        'readonly': ~Eval('state').in_(['invited', 'proposed']),
        }

    campaign = fields.Many2One(
        'dms.campaign', "Campaign", required=True, ondelete='CASCADE',
        states={
            'readonly': Eval('id', 0) > 0,
            })
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company', searcher='search_company')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", required=True, ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'readonly': Eval('id', 0) > 0,
            })
    allocation = Monetary(
        "Allocation", currency='currency', digits='currency',
        required=True,
        domain=[('allocation', '>=', 0)],
        help="The share of the campaign's budget allocated to the dealer.")
    plan_start = fields.Date(
        "Plan Start", states=_plan_states,
        domain=[
            If(Bool(Eval('plan_end')),
                ('plan_start', '<=', Eval('plan_end')), ()),
            ])
    plan_end = fields.Date(
        "Plan End", states=_plan_states,
        domain=[
            If(Bool(Eval('plan_start')),
                ('plan_end', '>=', Eval('plan_start')), ()),
            ])
    plan = fields.Text(
        "Local Plan", states=_plan_states,
        help="The actions the dealer plans for the campaign.")
    expected_sales = Monetary(
        "Expected Sales", currency='currency', digits='currency',
        domain=['OR',
            ('expected_sales', '=', None),
            ('expected_sales', '>=', 0),
            ],
        states=_plan_states)
    requested_budget = Monetary(
        "Requested Budget", currency='currency', digits='currency',
        domain=['OR',
            ('requested_budget', '=', None),
            ('requested_budget', '>=', 0),
            ],
        states=_plan_states)
    approved_budget = Monetary(
        "Approved Budget", currency='currency', digits='currency',
        domain=['OR',
            ('approved_budget', '=', None),
            ('approved_budget', '>=', 0),
            ],
        states={
            'readonly': Eval('state') != 'proposed',
            },
        help="The budget granted to the dealer's plan: the requested one "
        "or less, within the allocation.")
    decline_reason = fields.Text(
        "Decline Reason", readonly=True,
        states={
            'invisible': Eval('state') != 'declined',
            })
    comment = fields.Text(
        "Factory Comment",
        help="The factory's answer to the plan, shown to the dealer.")
    activities = fields.One2Many(
        'dms.campaign.activity', 'participation', "Activities")
    state = fields.Selection(
        PARTICIPATION_STATES, "State", required=True, readonly=True,
        sort=False)
    state_string = state.translated('state')
    campaign_state = fields.Function(
        fields.Selection(STATES, "Campaign State"),
        'on_change_with_campaign_state')
    # The live figures of the dealer (see monitor.py)
    revenue = fields.Function(Monetary(
            "Revenue", currency='currency', digits='currency'),
        'get_monitoring')
    previous_revenue = fields.Function(Monetary(
            "Previous Revenue", currency='currency', digits='currency'),
        'get_monitoring')
    revenue_growth = fields.Function(fields.Float(
            "Growth %", digits=(16, 1)), 'get_monitoring')
    order_count = fields.Function(fields.Integer("Orders"),
        'get_monitoring')
    incremental_revenue = fields.Function(Monetary(
            "Incremental Revenue", currency='currency', digits='currency'),
        'get_monitoring')
    discount_given = fields.Function(Monetary(
            "Discount Given", currency='currency', digits='currency'),
        'get_monitoring')
    spend = fields.Function(Monetary(
            "Spend", currency='currency', digits='currency'),
        'get_monitoring')
    roi = fields.Function(fields.Float("ROI", digits=(16, 2)),
        'get_monitoring')
    activity_count = fields.Function(fields.Integer("Activities"),
        'get_monitoring')
    people_reached = fields.Function(fields.Integer("People Reached"),
        'get_monitoring')
    gifts = fields.Function(fields.Integer("Gifts Handed Out"),
        'get_monitoring')
    invited_at = fields.Timestamp("Invited At", readonly=True)
    proposed_at = fields.Timestamp("Proposed At", readonly=True)
    proposed_by = fields.Many2One(
        'web.user', "Proposed By", readonly=True)
    decided_at = fields.Timestamp("Decided At", readonly=True)
    decided_by = fields.Many2One('res.user', "Decided By", readonly=True)
    del _plan_states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('campaign_dealer_unique', Unique(t, t.campaign, t.dealer),
                'dms_campaigns.msg_participation_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.dealer, Index.Range()),
                    (t.state, Index.Equality())),
                })
        cls._order = [('campaign', 'DESC'), ('id', 'ASC')]
        cls._transitions |= {
            ('invited', 'proposed'),
            ('invited', 'declined'),
            ('proposed', 'approved'),
            ('proposed', 'rejected'),
            ('proposed', 'invited'),
            ('declined', 'invited'),
            ('rejected', 'proposed'),
            }
        cls._buttons.update({
                'approve': {
                    'invisible': Eval('state') != 'proposed',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'proposed',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'invited'

    @classmethod
    def default_allocation(cls):
        return Decimal(0)

    @fields.depends('campaign', '_parent_campaign.company')
    def on_change_with_company(self, name=None):
        return self.campaign.company if self.campaign else None

    @classmethod
    def search_company(cls, name, clause):
        return [('campaign.' + clause[0],) + tuple(clause[1:])]

    @fields.depends('campaign', '_parent_campaign.company')
    def on_change_with_currency(self, name=None):
        if self.campaign and self.campaign.company:
            return self.campaign.company.currency

    @fields.depends('campaign', '_parent_campaign.state')
    def on_change_with_campaign_state(self, name=None):
        return self.campaign.state if self.campaign else None

    @property
    def dms_portal_path(self):
        return 'campaigns/%s' % self.campaign.id

    @classmethod
    def activity_totals(cls, participations):
        """The number of activities, people reached and gifts handed out
        of each participation (by id; participations: records or ids)"""
        pool = Pool()
        Activity = pool.get('dms.campaign.activity')
        activity = Activity.__table__()
        cursor = Transaction().connection.cursor()
        result = {}
        for sub in grouped_slice(
                list(map(int, participations)), backend.MAX_QUERY_PARAMS):
            cursor.execute(*activity.select(
                    activity.participation, Count(activity.id),
                    Sum(Coalesce(activity.participants, 0)),
                    Sum(Coalesce(activity.gifts, 0)),
                    where=activity.participation.in_(list(sub)),
                    group_by=[activity.participation]))
            for participation, count, people, gifts in cursor:
                result[participation] = {
                    'count': count, 'people': int(people or 0),
                    'gifts': int(gifts or 0)}
        return result

    @classmethod
    def get_spend(cls, participations):
        """The money spent by each participation (by id; participations:
        records or ids): its approved claims (see the marketing funds)"""
        return {int(p): Decimal(0) for p in participations}

    @classmethod
    def get_monitoring(cls, participations, names):
        result = {n: {} for n in names}
        activities = cls.activity_totals(participations)
        spend = cls.get_spend(participations)
        by_campaign = {}
        for participation in participations:
            by_campaign.setdefault(
                participation.campaign, []).append(participation)
        for campaign, c_participations in by_campaign.items():
            dealers = {}
            if campaign.state not in {'draft', 'proposed', 'cancelled'} or (
                    campaign.promotion):
                dealers, _ = dealer_figures(campaign)
            for participation in c_participations:
                figures = dealers.get(participation.dealer.id, {})
                totals = activities.get(participation.id, {})
                values = {
                    'revenue': figures.get('revenue', Decimal(0)),
                    'previous_revenue': figures.get(
                        'previous_revenue', Decimal(0)),
                    'order_count': figures.get('number', 0),
                    'incremental_revenue': figures.get(
                        'incremental_revenue', Decimal(0)),
                    'discount_given': figures.get('discount', Decimal(0)),
                    'spend': spend.get(participation.id, Decimal(0)),
                    'activity_count': totals.get('count', 0),
                    'people_reached': totals.get('people', 0),
                    'gifts': totals.get('gifts', 0),
                    }
                values['revenue_growth'] = growth(
                    values['revenue'], values['previous_revenue'])
                values['roi'] = roi(
                    figures.get('incremental_margin', Decimal(0)),
                    values['spend'] + values['discount_given'])
                for name in names:
                    result[name][participation.id] = values.get(name)
        return result

    def dms_figures(self):
        "The live figures of the participation for the dealer's portal"
        names = ['revenue', 'previous_revenue', 'revenue_growth',
            'order_count', 'incremental_revenue', 'discount_given', 'spend',
            'activity_count', 'people_reached', 'gifts']
        values = self.get_monitoring([self], names)
        figures = {n: values[n][self.id] for n in names}
        figures.update({
                'allocation': self.allocation,
                'approved_budget': self.approved_budget,
                'currency': self.currency,
                })
        return figures

    def get_rec_name(self, name):
        return '%s - %s' % (self.campaign.rec_name, self.dealer.rec_name)

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(
            clause, 'campaign.rec_name', 'dealer.rec_name')

    @classmethod
    def validate_fields(cls, participations, field_names):
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        super().validate_fields(participations, field_names)
        if not field_names or field_names & {'allocation', 'campaign'}:
            Campaign.check_allocation(
                list({p.campaign for p in participations}))
        if not field_names or field_names & {
                'approved_budget', 'allocation'}:
            for participation in participations:
                participation.check_approved_budget()
        if not field_names or field_names & {'plan_start', 'plan_end'}:
            for participation in participations:
                participation.check_plan_dates()

    def check_plan_dates(self):
        "The local plan runs within the campaign's period"
        campaign = self.campaign
        for date in [self.plan_start, self.plan_end]:
            if date and not (
                    campaign.start_date <= date <= campaign.end_date):
                raise ParticipationError(gettext(
                        'dms_campaigns.msg_participation_plan_dates',
                        participation=self.rec_name,
                        start=campaign.start_date,
                        end=campaign.end_date))

    def check_approved_budget(self):
        pool = Pool()
        Lang = pool.get('ir.lang')
        if (self.approved_budget is not None
                and self.approved_budget > self.allocation):
            lang = Lang.get()
            raise ParticipationError(gettext(
                    'dms_campaigns.msg_participation_over_allocation',
                    participation=self.rec_name,
                    amount=lang.currency(
                        self.approved_budget, self.currency),
                    allocation=lang.currency(
                        self.allocation, self.currency)))

    @classmethod
    def check_modification(
            cls, mode, participations, values=None, external=False):
        super().check_modification(
            mode, participations, values=values, external=external)
        if mode == 'delete':
            for participation in participations:
                if (participation.state != 'invited'
                        or participation.invited_at):
                    raise ParticipationError(gettext(
                            'dms_campaigns.msg_participation_delete',
                            participation=participation.rec_name))
        if mode == 'write' and values and 'allocation' in values:
            for participation in participations:
                if participation.campaign.state not in {
                        'draft', 'proposed', 'approved', 'running'}:
                    raise ParticipationError(gettext(
                            'dms_campaigns.msg_allocation_closed',
                            participation=participation.rec_name))

    def check_open(self):
        "The dealer may answer while the campaign is proposed or later"
        if self.campaign.state not in {'proposed', 'approved', 'running'}:
            raise ParticipationError(gettext(
                    'dms_campaigns.msg_participation_campaign_not_open',
                    campaign=self.campaign.rec_name))

    def submit(self, values, web_user=None):
        """Save the dealer's local plan and send it to the factory (from
        the portal): values of plan_start, plan_end, plan, expected_sales,
        requested_budget"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        self.check_open()
        if self.state not in {'invited', 'proposed', 'rejected',
                'declined'}:
            raise ParticipationError(gettext(
                    'dms_campaigns.msg_participation_not_proposable',
                    participation=self.rec_name,
                    state=self.state_string))
        values = dict(values)
        requested = values.get('requested_budget')
        if requested is not None and requested > self.allocation:
            lang = Lang.get()
            raise ParticipationError(gettext(
                    'dms_campaigns.msg_participation_requested_over',
                    amount=lang.currency(requested, self.currency),
                    allocation=lang.currency(
                        self.allocation, self.currency)))
        if self.state in {'rejected', 'declined'}:
            self.__class__.write([self], {'state': 'invited'})
        values.update({
                'proposed_at': dt.datetime.now(),
                'proposed_by': web_user.id if web_user else None,
                'approved_budget': None,
                })
        self.__class__.write([self], values)
        if self.state == 'invited':
            self.__class__.propose([self])
        self.__class__.notify_factory([self], 'proposed')

    @property
    def reportable(self):
        "Whether the dealer may report activities"
        return (self.state == 'approved'
            and self.campaign.state in {'approved', 'running'})

    def report_activity(self, values, photos=(), web_user=None):
        """Report an activity of the dealer (from the portal): values of
        date, kind, description, participants, gifts; photos: [(filename,
        data)] shared with the factory, which is told"""
        pool = Pool()
        Activity = pool.get('dms.campaign.activity')
        Attachment = pool.get('ir.attachment')
        if not self.reportable:
            raise ParticipationError(gettext(
                    'dms_campaigns.msg_activity_not_reportable',
                    participation=self.rec_name))
        values = dict(values)
        values.update({
                'participation': self.id,
                'reported_by': web_user.id if web_user else None,
                })
        activity, = Activity.create([values])
        for filename, data in photos:
            Attachment.dms_upload(activity, filename, data)
        self.__class__.notify_factory([self], 'activity')
        return activity

    def decline(self, reason, web_user=None):
        "The dealer declines the invitation (from the portal)"
        self.check_open()
        if self.state not in {'invited', 'proposed'}:
            raise ParticipationError(gettext(
                    'dms_campaigns.msg_participation_not_declinable',
                    participation=self.rec_name,
                    state=self.state_string))
        self.__class__.write([self], {
                'decline_reason': reason,
                'proposed_by': web_user.id if web_user else None,
                })
        if self.state == 'proposed':
            self.__class__.write([self], {'state': 'invited'})
        self.__class__.decline_([self])
        self.__class__.notify_factory([self], 'declined')

    @classmethod
    @Workflow.transition('proposed')
    def propose(cls, participations):
        pass

    @classmethod
    @Workflow.transition('declined')
    def decline_(cls, participations):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, participations):
        """Approve the dealers' plans, with the requested budget unless the
        factory set another (never more than the allocation)"""
        for participation in participations:
            participation.check_open()
            if participation.approved_budget is None:
                participation.approved_budget = min(
                    participation.requested_budget or Decimal(0),
                    participation.allocation)
            participation.check_approved_budget()
            participation.decided_at = dt.datetime.now()
            participation.decided_by = Transaction().user
        cls.save(participations)
        cls.notify_dealer(participations,
            'dms_campaigns.msg_notification_participation_approved')
        # The offer reaches the newly approved dealers of running
        # campaigns at once (see Promotion.match): nothing to sync

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    def reject(cls, participations):
        for participation in participations:
            participation.decided_at = dt.datetime.now()
            participation.decided_by = Transaction().user
            participation.approved_budget = None
        cls.save(participations)
        cls.notify_dealer(participations,
            'dms_campaigns.msg_notification_participation_rejected')

    @classmethod
    def notify_dealer(cls, participations, message_id):
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        for participation in participations:
            Notification.notify_dealers([participation.dealer],
                'campaign', participation, message_id,
                {'campaign': participation.campaign._translated('name')},
                text=participation.comment)

    @classmethod
    def notify_factory(cls, participations, event):
        """Tell the factory users responsible for the dealers (sales rep,
        else the DMS managers) that a dealer answered"""
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        Notification = pool.get('res.notification')
        Configuration = pool.get('ir.configuration')
        users = Dealer.responsible_users({p.dealer for p in participations})
        message_id = {
            'proposed': 'dms_campaigns.msg_factory_participation_proposed',
            'declined': 'dms_campaigns.msg_factory_participation_declined',
            'activity': 'dms_campaigns.msg_factory_participation_activity',
            }[event]
        to_create = []
        for participation in participations:
            for user in users[participation.dealer]:
                with Transaction().set_context(
                        language=user.language.code if user.language
                        else Configuration.get_language()):
                    label = gettext(message_id,
                        dealer=participation.dealer.rec_name,
                        campaign=participation.campaign.rec_name)
                to_create.append({
                        'user': user.id,
                        'label': label[:255],
                        'description': (participation.plan or '')[:255],
                        'icon': 'tryton-marketing',
                        'model': cls.__name__,
                        'records': json.dumps([participation.id]),
                        })
        if to_create:
            # The dealer's portal user tells the factory's users
            with without_check_access():
                Notification.create(to_create)


ACTIVITY_KINDS = [
    ('event', "Event"),
    ('display', "In-store Display"),
    ('advertising', "Local Advertising"),
    ('social', "Social Media"),
    ('training', "Sales Training"),
    ('other', "Other"),
    ]


class Activity(ModelSQL, ModelView):
    __string__ = "Campaign Activity"
    __name__ = 'dms.campaign.activity'
    participation = fields.Many2One(
        'dms.campaign.participation', "Participation", required=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    kind = fields.Selection(ACTIVITY_KINDS, "Kind", required=True)
    kind_string = kind.translated('kind')
    description = fields.Text("Description")
    participants = fields.Integer(
        "Participants", domain=['OR',
            ('participants', '=', None),
            ('participants', '>=', 0),
            ],
        help="The people who took part in the activity.")
    gifts = fields.Integer(
        "Gifts Handed Out", domain=['OR',
            ('gifts', '=', None),
            ('gifts', '>=', 0),
            ])
    reported_by = fields.Many2One('web.user', "Reported By", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('participation')
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_kind(cls):
        return 'event'

    def get_rec_name(self, name):
        return '%s %s' % (self.kind_string, self.date)

    @classmethod
    def validate_fields(cls, activities, field_names):
        super().validate_fields(activities, field_names)
        if not field_names or field_names & {'date', 'participation'}:
            for activity in activities:
                activity.check_date()

    def check_date(self):
        """An activity is held during the campaign, and reported once
        held"""
        pool = Pool()
        Date = pool.get('ir.date')
        campaign = self.participation.campaign
        with Transaction().set_context(company=campaign.company.id):
            today = Date.today()
        if not (campaign.start_date <= self.date
                <= min(campaign.end_date, today)):
            raise ParticipationError(gettext(
                    'dms_campaigns.msg_activity_date',
                    date=self.date,
                    participation=self.participation.rec_name,
                    start=campaign.start_date,
                    end=campaign.end_date))

