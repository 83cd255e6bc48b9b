# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The portal runs as its own user under the record rules of the session's
dealer, in the database of dms_campaigns, which has every module's pages

The tests of dms_reports' PortalUserTestMixin (every portal route's view
runs as the portal's user; a search without domain in dealer A's portal
request finds none of dealer B's rows on any model scoped by dealer) with,
besides its rows, one campaign of dealer B that gives each model of the
campaigns scoped by dealer a row of B: its participation, offer, activity,
claim, fund line, evaluation and monitoring row, and a channel with its
delivery and sale."""
import datetime as dt
from decimal import Decimal

from dms_dealer.tests.tools import LockRetrySetUpMixin
from dms_portal.tests.tools import PortalClientMixin
from dms_reports.tests.test_portal import PortalUserTestMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase

from .test_channel import signed


class CampaignPortalUserTestCase(
        PortalUserTestMixin, LockRetrySetUpMixin, PortalClientMixin,
        RouteTestCase):
    """Test the portal's pages, the campaigns' included, run as the portal's
    user under record rules"""
    module = 'dms_campaigns'

    @classmethod
    def setUpDatabase(cls):
        super().setUpDatabase()
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        Participation = pool.get('dms.campaign.participation')
        Claim = pool.get('dms.campaign.claim')
        Channel = pool.get('dms.channel')
        ChannelSale = pool.get('dms.channel.sale')
        Sale = pool.get('sale.sale')
        Category = pool.get('product.category')
        Date = pool.get('ir.date')
        today = Date.today()
        dealer_b = cls.dealer_b
        product = cls.products['AC-1']
        channel, = Channel.create([{
                    'company': cls.company.id,
                    'name': "Shop",
                    'url': 'http://127.0.0.1:1/',
                    }])
        category, = Category.create([{'name': "Empty"}])
        # Only B takes part: A sees neither the campaign nor its offer (the
        # tiers, territories and categories only give their relations a
        # row: the audience is the dealers and the category has no product)
        campaign, = Campaign.create([{
                    'name': "Spring of B",
                    'start_date': today - dt.timedelta(days=10),
                    'end_date': today + dt.timedelta(days=10),
                    'budget': Decimal(1000),
                    'discount': Decimal('0.1'),
                    'audience': 'dealers',
                    'dealers': [('add', [dealer_b.id])],
                    'products': [('add', [product.id])],
                    'channels': [('add', [channel.id])],
                    'tiers': [('add', [dealer_b.tier.id])],
                    'territories': [('add', [cls.territory.id])],
                    'categories': [('add', [category.id])],
                    }])
        Campaign.allocate([campaign])
        Campaign.propose([campaign])
        participation, = campaign.participations
        participation.submit({
                'plan': "Window display",
                'requested_budget': Decimal(100),
                })
        # The fund's allocation line
        Participation.approve([participation])
        # The offer (sale.promotion)
        Campaign.approve([campaign])
        # The channel's delivery
        Campaign.run([campaign])
        # A change while it runs
        Campaign.write([campaign], {'budget': Decimal(1100)})
        participation = Participation(participation.id)
        participation.report_activity({'date': today, 'kind': 'display'})
        Claim.create([{
                    'participation': participation.id,
                    'amount': Decimal(50),
                    'description': "Leaflets",
                    }])
        body, headers = signed(Channel(channel.id).secret, {
                'id': 'ORDER-1', 'campaign': campaign.id,
                'date': today.isoformat(), 'amount': '100',
                'currency': cls.company.currency.code, 'quantity': 1,
                'product': product.code, 'dealer': dealer_b.code,
                })
        status, _ = ChannelSale.receive(channel.id, body, headers)
        assert status == 201, status
        # B's order of the campaign's product during it: B's monitoring
        # and evaluation rows (its state written, as CampaignTestMixin.sell
        # does)
        sale, = Sale.search([('reference', '=', 'REF-b')])
        address = dealer_b.party.addresses[0]
        Sale.write([sale], {
                'sale_date': today, 'state': 'confirmed',
                'invoice_address': address.id,
                'shipment_address': address.id,
                })
        Campaign.close([campaign])
        Campaign.evaluate([campaign])

        cls.foreign.update({
                'dms.campaign': [('id', '=', campaign.id)],
                'dms.campaign.participation': [('dealer', '=', dealer_b.id)],
                'dms.campaign.change': [('campaign', '=', campaign.id)],
                'dms.campaign-dms.channel': [('campaign', '=', campaign.id)],
                'dms.campaign-dms.dealer': [('campaign', '=', campaign.id)],
                'dms.campaign-dms.dealer.tier': [
                    ('campaign', '=', campaign.id)],
                'dms.campaign-dms.territory': [
                    ('campaign', '=', campaign.id)],
                'dms.campaign-product.category': [
                    ('campaign', '=', campaign.id)],
                'dms.campaign-product.product': [
                    ('campaign', '=', campaign.id)],
                'dms.campaign.activity': [
                    ('participation.dealer', '=', dealer_b.id)],
                'dms.campaign.claim': [('dealer', '=', dealer_b.id)],
                'dms.campaign.fund.line': [('dealer', '=', dealer_b.id)],
                # The campaign's totals are not the dealers' either
                'dms.campaign.evaluation': [('campaign', '=', campaign.id)],
                'dms.campaign.monitor': [('dealer', '=', dealer_b.id)],
                'sale.promotion': [('dms_campaign', '=', campaign.id)],
                # Dealers see no channel at all
                'dms.channel': [],
                'dms.channel.delivery': [],
                'dms.channel.sale': [],
                })
        cls.contexts = {
            'dms.campaign.monitor': {'dms_campaign': campaign.id},
            # The offer of the closed campaign is inactive
            'sale.promotion': {'active_test': False},
            }
