# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A dealer takes part in a co-marketing campaign in a real browser, on the
demo database: a buyer of D0001 sees its open invitations on the home page,
finds the running campaign of its territory among the campaigns to answer,
downloads its poster, sends a plan (refused first: the budget requested is
above its allocation); the factory approves it (over XML-RPC) and the buyer
reports an activity with a photo, which the page lists (bad plans and
reports are refused first, nothing saved), and declines the proposed
campaign with a reason.  A campaign of other dealers is not found.  Every
step is checked against the database over XML-RPC.

The test uses the demo's campaigns (tools/demo/campaigns.py): the running
"Summer cooling days" and the proposed "Steam oven launch events" where
D0001 is invited, and the closed "Spring washer dryer week" of Guangdong,
D0001 outside its audience.

Screenshots of the campaign's page in English and in Chinese go to
docs/screenshots/ (see tests/browser.py).
"""
import html
import os
import re
import unittest
import uuid
import xmlrpc.client
from decimal import Decimal
from urllib.parse import urljoin

from tests import browser
from tests.fixtures import DEMO_LOGINS
from tests.test_browser_communication import png

BUYER = 'd0001.buyer'
TOKEN = uuid.uuid4().hex[:8].upper()
RUNNING = "Summer cooling days"
PROPOSED = "Steam oven launch events"
CLOSED = "Spring washer dryer week"
PHOTO_NAME = 'demo-weekend.png'


def amount(value):
    "The Decimal of a number Tryton sends over XML-RPC"
    if isinstance(value, dict):
        value = value['decimal']
    return Decimal(str(value))


def binary(value):
    return value.data if isinstance(value, xmlrpc.client.Binary) else value


@browser.requires_chromium
class CampaignsBrowserTestCase(browser.BrowserTestCase):
    "Dealer portal: a campaign's invitation, plan, approval and activity"

    folder_prefix = 'dms-campaigns-'

    @classmethod
    def set_up_data(cls):
        cls.admin = cls.admin_rpc()
        cls.read_data()

    @classmethod
    def read_data(cls):
        "Read D0001, its buyer and the demo's campaigns"
        admin = cls.admin
        company, = admin.company.company.search([], 0, None, None, {})
        cls.context = ctx = {'company': company}
        cls.dealer, = admin.dms.dealer.search_read(
            [('code', '=', 'D0001')], 0, None, None, ['code'], ctx)
        cls.buyer, = admin.web.user.search_read(
            [('email', '=', DEMO_LOGINS[BUYER][0])], 0, None, None,
            ['email'], ctx)
        cls.campaigns = {c['name']: c for c in admin.dms.campaign.search_read(
                [('name', 'in', [RUNNING, PROPOSED, CLOSED])], 0, None,
                None, ['name', 'state', 'discount'], ctx)}
        assert {c['state'] for c in cls.campaigns.values()} == {
            'running', 'proposed', 'closed'}, cls.campaigns
        cls.photo = os.path.join(cls.folder, PHOTO_NAME)
        with open(cls.photo, 'wb') as fp:
            fp.write(png(colour=(220, 120, 40)))
        # The refused plan answers 400 and the campaign of others 404:
        # their pages are checked
        cls.optional_urls = re.compile(
            r'/favicon\.ico$|/portal/campaigns/%s/(proposal|activities)$'
            r'|/portal/campaigns/%s/decline$|/portal/campaigns/%s$' % (
                cls.campaigns[RUNNING]['id'], cls.campaigns[PROPOSED]['id'],
                cls.campaigns[CLOSED]['id']))

    def setUp(self):
        self.page = self.new_page()
        self.errors_before = len(self.console_errors)

    def tearDown(self):
        self.page.context.close()

    def participation(self, campaign, fields=()):
        "D0001's participation in the campaign"
        participation, = self.admin.dms.campaign.participation.search_read([
                ('campaign', '=', campaign['id']),
                ('dealer', '=', self.dealer['id']),
                ], 0, None, None,
            ['state', 'allocation', 'requested_budget', 'plan',
                'proposed_by', *fields], self.context)
        return participation

    def flash(self):
        flash = self.page.locator('.flash')
        flash.wait_for(state='visible')
        return flash.inner_text().strip()

    def post(self, form, path):
        "Submit the form; return the response to its POST"
        page = self.page
        action = self.url(path)
        with page.expect_response(lambda r: r.url == action
                and r.request.method == 'POST') as response:
            page.locator('%s button[type=submit]' % form).click()
        page.wait_for_load_state()
        return response.value

    def post_form(self, path, values, files=None):
        """Post values (and files: (name, data)) to the portal's path in the
        page's session, with its CSRF token, without loading a page"""
        page = self.page
        form = {'csrf_token': page.locator(
                'input[name=csrf_token]').first.input_value(), **values}
        if files:
            name, data = files
            form['photos'] = {
                'name': name, 'mimeType': 'application/octet-stream',
                'buffer': data}
        return page.request.post(self.url(path), multipart=form,
            max_redirects=0)

    @staticmethod
    def field_error(response, field):
        "The text of the error of field in the page of the response"
        match = re.search(
            r'<span class="line-error error" id="error-%s">([^<]*)</span>'
            % re.escape(field), response.text())
        return html.unescape(match.group(1)).strip() if match else None

    def test_campaign_participation(self):
        "Invitation, materials, plan refused then sent, approval, activity"
        page = self.page
        campaign = self.campaigns[RUNNING]
        path = 'campaigns/%s' % campaign['id']
        participation = self.participation(campaign)
        self.assertEqual(participation['state'], 'invited')
        allocation = amount(participation['allocation'])
        self.assertGreater(allocation, 0)
        invitations = self.admin.dms.campaign.participation.search_count([
                ('dealer', '=', self.dealer['id']),
                ('state', '=', 'invited'),
                ('campaign.state', 'in', ['proposed', 'approved', 'running']),
                ], self.context)
        # The running campaign and the proposed one at least
        self.assertGreaterEqual(invitations, 2)

        with self.step("sign in: the home page counts the invitations"):
            self.sign_in()
            self.assertEqual(
                int(page.locator('#open-invitations').inner_text()),
                invitations)

        with self.step("the campaigns to answer: the running one"):
            page.locator('#nav').get_by_role(
                'link', name="Campaigns", exact=True).click()
            page.wait_for_url(self.url('campaigns'))
            page.locator('nav.tabs').get_by_role(
                'link', name="To answer").click()
            page.wait_for_url(self.url('campaigns?filter=invited'))
            rows = page.locator('table#campaigns tbody > tr')
            self.assertEqual(rows.count(), invitations)
            self.assertEqual(
                set(rows.evaluate_all("rs => rs.map(r => r.dataset.state)")),
                {'invited'})
            row = rows.filter(has=page.get_by_role('link', name=RUNNING))
            self.assertEqual(row.locator(
                    'td[data-label="Campaign status"]').inner_text().strip(),
                "Running")
            self.assertEqual(row.locator(
                    'td[data-label="Kind"]').inner_text().strip(),
                "Promotion")
            row.get_by_role('link', name=RUNNING).click()
            page.wait_for_url(self.url(path))

        with self.step("the campaign's page: offer, products, materials"):
            self.assertEqual(page.locator('#campaign h1').inner_text().strip(),
                RUNNING)
            self.assertEqual(
                page.locator('#campaign-offer').inner_text().strip(),
                "10% off the products below")
            codes = page.locator('#campaign-products tbody tr').evaluate_all(
                "rs => rs.map(r => r.dataset.code)")
            self.assertEqual(codes, ['AC-1003', 'AC-1004', 'AC-1005'])
            materials = page.locator('#campaign-materials a')
            self.assertEqual(self.texts(materials), [
                    'summer-cooling-days-poster.pdf', 'shelf-display.png'])
            response = page.request.get(
                urljoin(page.url, materials.first.get_attribute('href')))
            self.assertEqual(response.status, 200)
            self.assertTrue(response.headers['content-disposition']
                .startswith('attachment;'))
            self.assertTrue(response.body().startswith(b'%PDF-'))
            self.assertEqual(page.locator('#participation-state')
                .inner_text().strip(), "Invited")
            # No activity before the plan is approved
            self.assertEqual(page.locator('#activity-form').count(), 0)

        plan = "Two demonstration weekends in Hangzhou (%s)" % TOKEN
        with self.step("a budget above the allocation is refused"):
            page.fill('#plan', plan)
            page.fill('#expected_sales', '250000')
            page.fill('#requested_budget', str(allocation + 1))
            self.assertEqual(
                self.post('#proposal-form', path + '/proposal').status, 400)
            error = page.locator('#error-requested_budget')
            self.assertTrue(error.inner_text().strip().startswith(
                    "The requested budget ("), error.inner_text())
            self.assertIn("exceeds your allocation", error.inner_text())
            self.assertEqual(
                page.locator('#proposal-error').inner_text().strip(),
                "Please correct the fields below.")
            # The form keeps what was typed; nothing is saved
            self.assertEqual(page.input_value('#plan'), plan)
            self.assertEqual(self.participation(campaign)['state'],
                'invited')

        with self.step("other bad plans are refused, nothing saved"):
            for values, field, error in [
                    ({'expected_sales': '-5'}, 'expected_sales',
                        "Enter an amount of 0 or more."),
                    ({'plan_start': '2030-01-10', 'plan_end': '2030-01-01'},
                        'plan_end', "The end must not be before the start."),
                    ({'plan': 'x' * 5001}, 'plan',
                        "Write 5000 characters at most."),
                    ]:
                response = self.post_form(path + '/proposal', {
                        'plan_start': page.input_value('#plan_start'),
                        'plan_end': page.input_value('#plan_end'),
                        'plan': plan, 'requested_budget': '1',
                        **values})
                self.assertEqual(response.status, 400, field)
                self.assertEqual(self.field_error(response, field), error)
            self.assertEqual(self.participation(campaign)['state'],
                'invited')

        requested = (allocation / 2).quantize(Decimal(1))
        with self.step("send the plan"):
            page.fill('#requested_budget', str(requested))
            self.assertEqual(
                self.post('#proposal-form', path + '/proposal').status, 303)
            self.assertEqual(page.url, self.url(path))
            self.assertEqual(self.flash(),
                "Your plan is sent: the factory will answer it here.")
            participation = self.participation(campaign)
            self.assertEqual(participation['state'], 'proposed')
            self.assertEqual(amount(participation['requested_budget']),
                requested)
            self.assertEqual(participation['plan'], plan)
            self.assertEqual(participation['proposed_by'], self.buyer['id'])
            self.assertEqual(page.locator('#plan-text').inner_text().strip(),
                plan)

        comment = "Approved: send us the photos. (%s)" % TOKEN
        with self.step("the factory approves: the page tells it"):
            self.admin.dms.campaign.participation.write(
                [participation['id']], {'comment': comment}, self.context)
            self.admin.dms.campaign.participation.approve(
                [participation['id']], self.context)
            page.reload()
            self.assertEqual(page.locator('#decision p.ok').inner_text()
                .strip().split(" ", 1)[0], "Approved")
            self.assertEqual(
                page.locator('#factory-comment').inner_text().strip(),
                comment)
            self.assertEqual(page.locator('#claims-link').get_attribute(
                    'href'), '/%s/portal/%s/claims' % (
                    self.server.database, path))
            page.locator('#activity-form').wait_for(state='visible')

        description = "Demonstration weekend in the store (%s)" % TOKEN
        with self.step("report an activity with a photo"):
            # The date is today's by default
            page.select_option('#activity-kind', 'event')
            page.fill('#activity-description', description)
            page.fill('#activity-participants', '80')
            page.fill('#activity-gifts', '25')
            page.set_input_files('#activity-photos', self.photo)
            self.assertEqual(self.post(
                    '#activity-form', path + '/activities').status, 303)
            self.assertEqual(self.flash(),
                "Thank you: your activity is reported to the factory.")
            activity, = self.admin.dms.campaign.activity.search_read([
                    ('participation', '=', participation['id']),
                    ], 0, None, None,
                ['kind', 'description', 'participants', 'gifts',
                    'reported_by'], self.context)
            self.assertEqual(
                [activity[f] for f in ['kind', 'description', 'participants',
                        'gifts', 'reported_by']],
                ['event', description, 80, 25, self.buyer['id']])
            photo, = self.admin.ir.attachment.search_read([
                    ('resource', '=', 'dms.campaign.activity,%s'
                        % activity['id']),
                    ], 0, None, None, ['name', 'data'], self.context)
            self.assertEqual(photo['name'], PHOTO_NAME)
            self.assertTrue(binary(photo['data']).startswith(b'\x89PNG'))

        with self.step("bad activity reports are refused, nothing saved"):
            today = page.input_value('#activity-date')
            for values, files, field, error in [
                    ({'participants': '-3'}, None, 'participants',
                        "Enter a whole number of 0 or more."),
                    ({'date': '2001-01-01'}, None, 'date', None),
                    ({}, ('notes.txt', b'not a photo'), 'photos',
                        "notes.txt is not a photo: send gif, jpeg, jpg, "
                        "png, webp images."),
                    ({}, ('fake.png', b'GIF89a not a png'), 'photos', None),
                    ]:
                form = {'date': today, 'kind': 'event',
                    'description': description, **values}
                response = self.post_form(
                    path + '/activities', form, files=files)
                self.assertEqual(response.status, 400, field)
                text = self.field_error(response, field)
                if error:
                    self.assertEqual(text, error)
                else:
                    self.assertTrue(text, field)
            self.assertEqual(self.admin.dms.campaign.activity.search_count([
                        ('participation', '=', participation['id']),
                        ], self.context), 1)
            self.assertEqual(self.admin.ir.attachment.search_count([
                        ('resource', 'like', 'dms.campaign.activity,%'),
                        ('name', 'in', ['notes.txt', 'fake.png']),
                        ], self.context), 0)

        with self.step("the activity is listed with its photo"):
            row = page.locator(
                '#activity-list tbody tr[data-id="%s"]' % activity['id'])
            self.assertEqual(row.locator('td.description').inner_text()
                .strip(), description)
            self.assertEqual(row.locator(
                    'td[data-label="Participants"]').inner_text().strip(),
                '80')
            image = row.locator('td.photos img')
            self.assertEqual(image.get_attribute('alt'), PHOTO_NAME)
            # The image is loaded (the dealer's own file)
            self.assertTrue(image.evaluate("img => img.naturalWidth > 0"))
            page.locator('#campaign').scroll_into_view_if_needed()
            self.save_screenshot('portal-campaign.png', full_page=True)

        with self.step("in Chinese"):
            page.get_by_role('button', name="简体中文").click()
            page.locator('html[lang="zh-CN"]').wait_for(state='attached')
            page.goto(self.url(path))
            self.save_screenshot('portal-campaign-zh_CN.png', full_page=True)
            page.get_by_role('button', name="English").click()
            page.locator('html[lang="en"]').wait_for(state='attached')

        proposed = self.campaigns[PROPOSED]
        with self.step("decline the proposed campaign, with a reason"):
            decline = 'campaigns/%s/decline' % proposed['id']
            response = self.post_form(decline, {'reason': ' '})
            self.assertEqual(response.status, 400)
            self.assertEqual(self.field_error(response, 'reason'),
                "Tell the factory why you decline.")
            self.assertEqual(self.participation(proposed)['state'],
                'invited')
            reason = "No room for cooking shows this month (%s)" % TOKEN
            response = self.post_form(decline, {'reason': reason})
            self.assertEqual(response.status, 303)
            participation = self.participation(
                proposed, ['decline_reason'])
            self.assertEqual(
                (participation['state'], participation['decline_reason']),
                ('declined', reason))

        with self.step("a campaign of other dealers is not found"):
            closed = self.campaigns[CLOSED]
            response = page.goto(self.url('campaigns/%s' % closed['id']))
            self.assertEqual(response.status, 404)
            self.assertNotIn(CLOSED, page.content())
        self.assertEqual(self.console_errors[self.errors_before:], [],
            "errors in the browser")


if __name__ == '__main__':
    unittest.main()
