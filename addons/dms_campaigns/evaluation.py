# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The evaluation of a closed campaign: its figures frozen for next time,
per dealer and for the campaign, and what worked by tier, territory and
kind of activity (the participants that reported an activity of the kind,
or none)"""
from collections import defaultdict
from decimal import Decimal

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.company import CompanyReport
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.transaction import Transaction

from .campaign import ACTIVITY_KINDS
from .monitor import dealer_figures, growth, roi

DIMENSIONS = [
    ('campaign', "Campaign"),
    ('dealer', "Dealer"),
    ('tier', "Tier"),
    ('territory', "Territory"),
    ('activity', "Activity"),
    ]
FIGURES = [
    'revenue', 'previous_revenue', 'expected_revenue', 'incremental_revenue',
    'incremental_margin', 'discount_given', 'spend']


class Evaluation(ModelSQL, ModelView):
    __string__ = "Campaign Evaluation"
    __name__ = 'dms.campaign.evaluation'

    campaign = fields.Many2One(
        'dms.campaign', "Campaign", required=True, ondelete='CASCADE',
        readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    dimension = fields.Selection(DIMENSIONS, "By", readonly=True)
    dimension_string = dimension.translated('dimension')
    dealer = fields.Many2One('dms.dealer', "Dealer", readonly=True)
    tier = fields.Many2One('dms.dealer.tier', "Tier", readonly=True)
    territory = fields.Many2One('dms.territory', "Territory", readonly=True)
    activity_kind = fields.Selection(
        [(None, ''), ('none', "No Activity")] + ACTIVITY_KINDS,
        "Activity", readonly=True)
    activity_kind_string = activity_kind.translated('activity_kind')
    dealers = fields.Integer("Dealers", readonly=True)
    revenue = Monetary(
        "Revenue", currency='currency', digits='currency', readonly=True)
    previous_revenue = Monetary(
        "Previous Revenue", currency='currency', digits='currency',
        readonly=True)
    revenue_growth = fields.Float(
        "Growth %", digits=(16, 1), readonly=True)
    expected_revenue = Monetary(
        "Expected Revenue", currency='currency', digits='currency',
        readonly=True)
    incremental_revenue = Monetary(
        "Incremental Revenue", currency='currency', digits='currency',
        readonly=True)
    incremental_margin = Monetary(
        "Incremental Margin", currency='currency', digits='currency',
        readonly=True)
    discount_given = Monetary(
        "Discount Given", currency='currency', digits='currency',
        readonly=True)
    spend = Monetary(
        "Spend", currency='currency', digits='currency', readonly=True)
    roi = fields.Float("ROI", digits=(16, 2), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Not under the campaign's access: it holds every dealer's figures
        cls._order = [
            ('campaign', 'DESC'), ('dimension', 'ASC'), ('roi', 'DESC'),
            ('id', 'ASC')]

    @fields.depends('campaign', '_parent_campaign.company')
    def on_change_with_currency(self, name=None):
        if self.campaign and self.campaign.company:
            return self.campaign.company.currency

    def get_rec_name(self, name):
        if self.dimension == 'dealer' and self.dealer:
            key = self.dealer.rec_name
        elif self.dimension == 'tier':
            key = self.tier.rec_name if self.tier else ''
        elif self.dimension == 'territory':
            key = self.territory.rec_name if self.territory else ''
        elif self.dimension == 'activity':
            key = self.activity_kind_string
        else:
            key = self.campaign.rec_name
        return '%s: %s' % (self.dimension_string, key)

    @classmethod
    def compute(cls, campaigns):
        """Replace the evaluations of the campaigns by their figures of
        now"""
        pool = Pool()
        Participation = pool.get('dms.campaign.participation')
        Activity = pool.get('dms.campaign.activity')
        cls.delete(cls.search([('campaign', 'in', [c.id for c in campaigns])]))
        to_create = []
        for campaign in campaigns:
            currency = campaign.company.currency
            participants = [p for p in campaign.participations
                if p.state == 'approved']
            dealers, _ = dealer_figures(campaign)
            spend = Participation.get_spend(participants)
            kinds = defaultdict(set)
            for activity in Activity.search([
                        ('participation', 'in',
                            [p.id for p in participants]),
                        ]):
                kinds[activity.participation.id].add(activity.kind)
            groups = defaultdict(list)
            for participant in participants:
                dealer = participant.dealer
                values = dict(dealers.get(dealer.id, {}))
                values = {
                    'revenue': values.get('revenue', Decimal(0)),
                    'previous_revenue': values.get(
                        'previous_revenue', Decimal(0)),
                    'expected_revenue': values.get(
                        'expected_revenue', Decimal(0)),
                    'incremental_revenue': values.get(
                        'incremental_revenue', Decimal(0)),
                    'incremental_margin': values.get(
                        'incremental_margin', Decimal(0)),
                    'discount_given': values.get('discount', Decimal(0)),
                    'spend': spend.get(participant.id, Decimal(0)),
                    }
                groups['campaign', None].append(values)
                groups['dealer', dealer.id].append(values)
                groups['tier', dealer.tier.id if dealer.tier else None
                    ].append(values)
                groups['territory',
                    dealer.territory.id if dealer.territory else None
                    ].append(values)
                for kind in kinds.get(participant.id) or {'none'}:
                    groups['activity', kind].append(values)
            for (dimension, key), members in groups.items():
                totals = {n: currency.round(sum(
                            (m[n] for m in members), Decimal(0)))
                    for n in FIGURES}
                totals.update({
                        'campaign': campaign.id,
                        'dimension': dimension,
                        'dealers': len(members),
                        'revenue_growth': _round(growth(
                                totals['revenue'],
                                totals['previous_revenue']), 1),
                        'roi': _round(roi(totals['incremental_margin'],
                                totals['spend'] + totals['discount_given']),
                            2),
                        })
                if dimension == 'dealer':
                    totals['dealer'] = key
                elif dimension == 'tier':
                    totals['tier'] = key
                elif dimension == 'territory':
                    totals['territory'] = key
                elif dimension == 'activity':
                    totals['activity_kind'] = key
                to_create.append(totals)
        cls.create(to_create)


def _round(value, digits):
    return round(value, digits) if value is not None else None


class EvaluationReport(CompanyReport):
    "The evaluation of campaigns as a PDF"
    __name__ = 'dms.campaign.evaluation_report'

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Date = pool.get('ir.date')
        Lang = pool.get('ir.lang')
        Evaluation = pool.get('dms.campaign.evaluation')
        context = super().get_context(records, header, data)
        context['lang'] = Lang.get()
        with Transaction().set_context(
                company=records[0].company.id if records else None):
            context['today'] = Date.today()
        evaluations = defaultdict(lambda: defaultdict(list))
        for evaluation in Evaluation.search([
                    ('campaign', 'in', [r.id for r in records]),
                    ]):
            evaluations[evaluation.campaign.id][
                evaluation.dimension].append(evaluation)
        context['evaluations'] = evaluations
        context['dimensions'] = [
            (d, s) for d, s in Evaluation.dimension.selection
            if d != 'campaign']
        return context
