# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Communication between the factory and its dealers in a real browser, on
the demo database: a buyer of D0001 reads a bulletin (the page tells the
factory it is read) and takes note of it, and sees a bulletin whose title
holds a script as text; sends market feedback (a refused form first, then
one with a photo) that the factory acknowledges and answers; writes to the
factory about an order and reads its public answer but not its internal
note, also in the inbox.  In the back office, the factory sees who read and
who acknowledged a bulletin.  Every step is checked against the database
over XML-RPC.

The test does not rely on the demo's bulletins or feedback: setUpClass
publishes its own bulletins over XML-RPC, with titles unique to the run.

Screenshots of a bulletin, a feedback, an order's conversation and the
receipts of a bulletin in the back office go to docs/screenshots/ (see
tests/browser.py).
"""
import datetime as dt
import os
import re
import struct
import unittest
import uuid
import xmlrpc.client
import zlib
from urllib.parse import urljoin

from tests import browser
from tests import test_browser_backoffice as backoffice
from tests.fixtures import DEMO_LOGINS

BUYER = 'd0001.buyer'
# Unique to the run: the titles of its bulletins, its feedback, its messages
TOKEN = uuid.uuid4().hex[:8].upper()
# A product of the demo catalogue
PRODUCTS = ['AC-1001', 'AC-1002']
# A bulletin's file: a PDF (only its magic number matters)
SPEC_SHEET = ('compressor-spec.pdf', b'%PDF-1.4\n% compressor specification\n')
PHOTO_NAME = 'shelf-photo.png'


def png(width=48, height=32, colour=(30, 110, 200)):
    "A small valid PNG image of one colour"
    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data
            + struct.pack('>I', zlib.crc32(kind + data)))
    rows = b''.join(b'\x00' + bytes(colour) * width for _ in range(height))
    return (b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
        + chunk(b'IDAT', zlib.compress(rows))
        + chunk(b'IEND', b''))


def binary(value):
    "The bytes of a binary field read over XML-RPC"
    return value.data if isinstance(value, xmlrpc.client.Binary) else value


def day(value):
    "The day of a timestamp Tryton sends over XML-RPC, as the portal shows it"
    if isinstance(value, dt.datetime):
        value = value.date()
    elif not isinstance(value, dt.date):
        # a struct, unless trytond.protocols.xmlrpc (imported by other tests)
        # has registered its unmarshaller in xmlrpc.client
        value = dt.date(value['year'], value['month'], value['day'])
    return value.isoformat()


@browser.requires_chromium
class CommunicationBrowserTestCase(browser.BrowserTestCase):
    "Dealer portal and back office: bulletins, feedback, conversations"
    # The icon of the site; a refused feedback answers 400 (its page is
    # checked); files sao asks for that the server does not have
    optional_urls = re.compile(r'/favicon\.ico$|/portal/feedback/new$'
        r'|/(custom\.(css|js)|locale/[\w-]+\.json)$')

    folder_prefix = 'dms-communication-'

    @classmethod
    def set_up_data(cls):
        cls.admin = cls.admin_rpc()
        cls.create_data()

    @classmethod
    def create_data(cls):
        "Read D0001, its buyer and products; publish the test's bulletins"
        admin = cls.admin
        company, = admin.company.company.search([], 0, None, None, {})
        cls.context = ctx = {'company': company}
        dealers = {d['code']: d for d in admin.dms.dealer.search_read(
                [('code', 'in', ['D0001', 'D0005'])], 0, None, None,
                ['code', 'territory', 'territory.rec_name'], ctx)}
        cls.dealer = dealers['D0001']
        cls.buyer, = admin.web.user.search_read(
            [('email', '=', DEMO_LOGINS[BUYER][0])], 0, None, None,
            ['email', 'dealer'], ctx)
        assert cls.buyer['dealer'] == cls.dealer['id'], cls.buyer
        cls.products = admin.product.product.search_read(
            [('code', 'in', PRODUCTS)], 0, None, [('code', 'ASC')],
            ['code', 'name'], ctx)
        assert [p['code'] for p in cls.products] == PRODUCTS, cls.products
        # The portal names the factory's authors after their employee
        admin_user, = admin.res.user.search_read(
            [('login', '=', DEMO_LOGINS['admin'][0])], 0, None, None,
            ['employee.rec_name'], ctx)
        cls.admin_name = admin_user['employee.']['rec_name']

        def audience(*codes):
            return {'audience': 'dealers',
                'dealers': [('add', [dealers[c]['id'] for c in codes])]}
        bulletins = [{
                # Read and acknowledged by the buyer
                'title': "Quieter compressor on split units %s" % TOKEN,
                'kind': 'specification',
                'body': "From March the split units get a quieter "
                "compressor.\nThe installation does not change.",
                'acknowledgement_required': True,
                'products': [('add', [p['id'] for p in cls.products])],
                **audience('D0001'),
                }, {
                # Shown as text
                'title': '<script>alert("title")</script> Safety notice %s'
                % TOKEN,
                'kind': 'policy',
                'body': '<img src="x" onerror="alert(\'body\')"> Check the '
                '<b>wiring</b>.</div><script>alert("body")</script>',
                'acknowledgement_required': False,
                **audience('D0001'),
                }, {
                # Its receipts in the back office
                'title': "Warranty terms %s" % TOKEN,
                'kind': 'policy',
                'body': "The warranty of compressors is now five years.",
                'acknowledgement_required': True,
                **audience('D0001', 'D0005'),
                }]
        ids = admin.dms.bulletin.create(
            [{**b, 'company': company} for b in bulletins], ctx)
        cls.spec_sheet, = admin.ir.attachment.create([{
                    'name': SPEC_SHEET[0],
                    'resource': 'dms.bulletin,%s' % ids[0],
                    'type': 'data',
                    'data': xmlrpc.client.Binary(SPEC_SHEET[1]),
                    }], ctx)
        admin.dms.bulletin.publish(ids, ctx)
        cls.bulletin, cls.script_bulletin, cls.receipts_bulletin = [
            {**b, 'id': i} for b, i in zip(bulletins, ids)]

        cls.photo = os.path.join(cls.folder, PHOTO_NAME)
        with open(cls.photo, 'wb') as fp:
            fp.write(png())

    def setUp(self):
        self.page = self.open_page()
        self.errors_before = len(self.console_errors)

    def tearDown(self):
        self.page.context.close()

    def open_page(self):
        "A new page where any dialog (alert, confirm) is an error"
        self.dialogs = []
        page = self.new_page()

        def dialog(dialog):
            self.dialogs.append('%s: %s' % (dialog.type, dialog.message))
            dialog.dismiss()
        page.on('dialog', dialog)
        return page

    def open_nav(self, name, path):
        "Follow the link of the navigation"
        page = self.page
        page.locator('#nav').get_by_role('link', name=name, exact=True).click()
        page.wait_for_url(self.url(path))

    def flash(self):
        flash = self.page.locator('.flash')
        flash.wait_for(state='visible')
        return flash.inner_text().strip()

    def assertNoNewErrors(self):
        self.assertEqual(self.console_errors[self.errors_before:], [],
            "errors in the browser")
        self.assertEqual(self.dialogs, [], "dialogs in the browser")

    # Bulletins

    def unread_bulletins(self):
        "The buyer's unread bulletin notifications in the database"
        return self.admin.dms.dealer.notification.search_count([
                ('user', '=', self.buyer['id']),
                ('kind', '=', 'bulletin'),
                ('read_at', '=', None),
                ], self.context)

    def home_unread_bulletins(self):
        page = self.page
        page.goto(self.url())
        return int(page.locator('#unread-bulletins').inner_text().strip())

    def receipt(self, bulletin):
        "The receipt of D0001 for the bulletin"
        receipt, = self.admin.dms.bulletin.receipt.search_read([
                ('bulletin', '=', bulletin['id']),
                ('dealer', '=', self.dealer['id']),
                ], 0, None, None,
            ['read_at', 'read_by', 'acknowledged_at', 'acknowledged_by'],
            self.context)
        return receipt

    def bulletin_row(self, bulletin):
        "The row of the bulletin in the list of the Bulletins page"
        return self.page.locator(
            'table#bulletins tbody > tr[data-id="%s"]' % bulletin['id'])

    def open_bulletin(self, bulletin):
        """Follow the bulletin's link of the Bulletins page and wait until
        the page's script has posted that it is read"""
        page = self.page
        read = self.url('bulletins/%s/read' % bulletin['id'])
        link = self.bulletin_row(bulletin).get_by_role(
            'link', name=bulletin['title'], exact=True)
        with page.expect_response(lambda r: r.url == read
                and r.request.method == 'POST') as response:
            link.click()
        page.wait_for_url(self.url('bulletins/%s' % bulletin['id']))
        self.assertEqual(response.value.status, 204)
        # The script hides the fallback form once the read is posted
        page.locator('form[data-mark-read]').wait_for(state='hidden')

    def download(self, link):
        "Download the file of the link in the page's session"
        page = self.page
        response = page.request.get(
            urljoin(page.url, link.get_attribute('href')))
        self.assertEqual(response.status, 200)
        self.assertTrue(response.headers['content-disposition'].startswith(
                'attachment;'), response.headers)
        return response.body()

    def test_bulletin_read_and_acknowledged(self):
        "Unread count, a new bulletin, read by its page, acknowledged; XSS"
        page = self.page
        bulletin = self.bulletin
        unread = self.unread_bulletins()
        # The test's bulletins at least
        self.assertGreaterEqual(unread, 2)
        receipt = self.receipt(bulletin)
        self.assertEqual((receipt['read_at'], receipt['acknowledged_at']),
            (None, None))

        with self.step("sign in: the home page counts the unread bulletins"):
            self.sign_in()
            self.assertEqual(
                int(page.locator('#unread-bulletins').inner_text()), unread)

        with self.step("the Bulletins page lists the new bulletin"):
            self.open_nav("Bulletins", 'bulletins')
            row = self.bulletin_row(bulletin)
            row.wait_for(state='visible')
            self.assertIn('unread', row.get_attribute('class').split())
            self.assertEqual(row.locator('.badge').inner_text().strip(),
                "New")
            self.assertEqual(row.locator(
                    'td[data-label="Kind"]').inner_text().strip(),
                "Specification change")
            self.assertEqual(row.locator(
                    'td[data-label="Status"]').inner_text().strip(),
                "To acknowledge")

        with self.step("open the bulletin: its page posts the read"):
            self.open_bulletin(bulletin)
            self.assertEqual(page.locator('#bulletin h1').inner_text().strip(),
                bulletin['title'])
            self.assertEqual(
                page.locator('#bulletin-body').inner_text().strip(),
                bulletin['body'])
            self.assertEqual(
                sorted(self.texts(page.locator('#bulletin-products li'))),
                sorted('%s %s' % (p['code'], p['name'])
                    for p in self.products))
            files = page.locator('#bulletin-files a')
            self.assertEqual(self.texts(files), [SPEC_SHEET[0]])
            self.assertTrue(files.get_attribute('href').endswith(
                    'bulletins/%s/files/%s' % (
                        bulletin['id'], self.spec_sheet)))
            self.assertEqual(self.download(files), SPEC_SHEET[1])
            self.assertTrue(page.get_by_role(
                    'button', name="I have taken note").is_visible())

        with self.step("the receipt of D0001 is read by the buyer"):
            receipt = self.receipt(bulletin)
            self.assertTrue(receipt['read_at'])
            self.assertEqual(receipt['read_by'], self.buyer['id'])
            self.assertIsNone(receipt['acknowledged_at'])
            self.assertIsNone(receipt['acknowledged_by'])
            self.assertEqual(self.unread_bulletins(), unread - 1)

        with self.step("the home page counts one unread bulletin less"):
            self.assertEqual(self.home_unread_bulletins(), unread - 1)

        with self.step("take note of the bulletin"):
            page.goto(self.url('bulletins/%s' % bulletin['id']))
            # Read already: no read to post
            self.assertEqual(page.locator('form[data-mark-read]').count(), 0)
            acknowledgement = page.locator('#acknowledgement')
            self.assertIn("confirm you have taken note",
                acknowledgement.inner_text())
            with page.expect_navigation():
                page.get_by_role('button', name="I have taken note").click()
            self.assertEqual(page.url,
                self.url('bulletins/%s' % bulletin['id']))
            self.assertEqual(self.flash(),
                "Thank you: the factory sees that you have taken note.")
            receipt = self.receipt(bulletin)
            self.assertTrue(receipt['acknowledged_at'])
            self.assertEqual(receipt['acknowledged_by'], self.buyer['id'])
            self.assertEqual(receipt['read_by'], self.buyer['id'])
            self.assertEqual(
                acknowledgement.locator('p.ok').inner_text().strip(),
                "Acknowledged by %s on %s." % (
                    self.buyer['email'], day(receipt['acknowledged_at'])))
            self.assertEqual(page.get_by_role(
                    'button', name="I have taken note").count(), 0)
            self.save_screenshot('portal-bulletin.png')

        with self.step("the list shows the bulletin acknowledged"):
            self.open_nav("Bulletins", 'bulletins')
            row = self.bulletin_row(bulletin)
            self.assertNotIn('unread', row.get_attribute('class').split())
            self.assertEqual(row.locator('.badge').count(), 0)
            self.assertEqual(row.locator(
                    'td[data-label="Status"]').inner_text().strip(),
                "Acknowledged")

        script = self.script_bulletin
        with self.step("a title with a script is shown as text"):
            row = self.bulletin_row(script)
            self.assertIn('unread', row.get_attribute('class').split())
            self.assertEqual(row.get_by_role('link').inner_text().strip(),
                script['title'])
            self.open_bulletin(script)
            self.assertEqual(page.locator('#bulletin h1').inner_text().strip(),
                script['title'])
            self.assertEqual(
                page.locator('#bulletin-body').inner_text().strip(),
                script['body'])
            self.assertEqual(page.title(), "%s · DMS" % script['title'])
            self.assertEqual(page.locator('main script, main img').count(), 0)
            # The page's own script ran (it posted the read), no other did
            self.assertEqual(self.dialogs, [])
            self.assertTrue(self.receipt(script)['read_at'])
            self.assertEqual(self.home_unread_bulletins(), unread - 2)
        self.assertNoNewErrors()

    # Feedback

    def feedback_count(self):
        return self.admin.dms.feedback.search_count(
            [('dealer', '=', self.dealer['id'])], self.context)

    def feedback_files(self):
        return self.admin.ir.attachment.search_count(
            [('resource', 'like', 'dms.feedback,%')], self.context)

    def send_feedback(self):
        "Submit the feedback form; return the response to its POST"
        page = self.page
        action = self.url('feedback/new')
        with page.expect_response(lambda r: r.url == action
                and r.request.method == 'POST') as response:
            page.locator('#feedback-form button[type=submit]').click()
        return response.value

    def test_feedback(self):
        "A refused feedback, then one with a photo, acknowledged and answered"
        page = self.page
        subject = "Demand for white 1 HP split units %s" % TOKEN
        description = ("Shops in Hangzhou ask for white units.\n"
            "Grey ones stay on the shelf.")
        answer = ("Thank you: a white version is planned for June. (%s)"
            % TOKEN)
        product = self.products[0]

        with self.step("open Feedback > Send feedback"):
            self.sign_in()
            self.open_nav("Feedback", 'feedback')
            page.get_by_role('link', name="Send feedback").click()
            page.wait_for_url(self.url('feedback/new'))
            page.locator('#feedback-form').wait_for(state='visible')
        count = self.feedback_count()
        files = self.feedback_files()

        with self.step("a competitor move without competitor is refused"):
            page.select_option('#kind', 'competitor')
            page.fill('#subject', "Competitor discount %s" % TOKEN)
            page.fill('#competitor_price', '1999')
            page.set_input_files('#file', self.photo)
            self.assertEqual(self.send_feedback().status, 400)
            error = page.locator('#error-competitor')
            error.wait_for(state='visible')
            self.assertEqual(error.inner_text().strip(),
                "This field is required.")
            self.assertEqual(page.get_by_role('alert').inner_text().strip(),
                "Please correct the fields below.")
            self.assertEqual(page.locator('.line-error').count(), 1)
            # The form keeps what was typed
            self.assertEqual(page.locator('#kind').input_value(),
                'competitor')
            self.assertEqual(page.locator('#subject').input_value(),
                "Competitor discount %s" % TOKEN)
            self.assertEqual(page.locator('#competitor_price').input_value(),
                '1999')
            # Nothing is saved
            self.assertEqual(self.feedback_count(), count)
            self.assertEqual(self.feedback_files(), files)

        with self.step("send a demand preference with a photo"):
            page.select_option('#kind', 'demand')
            page.fill('#subject', subject)
            page.fill('#product', product['code'])
            page.fill('#attribute', "White")
            page.fill('#estimated_quantity', '120')
            page.fill('#competitor_price', '')
            page.fill('#description', description)
            page.set_input_files('#file', self.photo)
            self.assertEqual(self.send_feedback().status, 303)
            page.wait_for_url(re.compile(
                    re.escape(self.url('feedback/')) + r'\d+$'))
            feedback_id = int(page.url.rsplit('/', 1)[1])
            self.assertEqual(self.flash(),
                "Thank you: your feedback is sent to the factory.")

        with self.step("the feedback is in the database with its photo"):
            self.assertEqual(self.feedback_count(), count + 1)
            feedback, = self.admin.dms.feedback.read([feedback_id], [
                    'dealer', 'territory', 'author', 'kind', 'subject',
                    'product', 'attribute', 'estimated_quantity',
                    'competitor', 'competitor_price', 'description', 'state',
                    'answer'], self.context)
            self.assertEqual(feedback['dealer'], self.dealer['id'])
            self.assertIsNotNone(self.dealer['territory'])
            self.assertEqual(feedback['territory'], self.dealer['territory'])
            self.assertEqual(feedback['author'], self.buyer['id'])
            # Browsers send the lines of a textarea with CRLF
            feedback['description'] = feedback['description'].replace(
                '\r\n', '\n')
            self.assertEqual(
                {k: feedback[k] for k in ['kind', 'subject', 'product',
                        'attribute', 'estimated_quantity', 'competitor',
                        'competitor_price', 'description', 'state',
                        'answer']},
                {'kind': 'demand', 'subject': subject,
                    'product': product['id'], 'attribute': "White",
                    'estimated_quantity': 120, 'competitor': None,
                    'competitor_price': None, 'description': description,
                    'state': 'new', 'answer': None})
            self.assertEqual(self.feedback_files(), files + 1)
            photo, = self.admin.ir.attachment.search_read(
                [('resource', '=', 'dms.feedback,%s' % feedback_id)],
                0, None, None, ['name', 'data', 'dms_shared'], self.context)
            self.assertEqual(photo['name'], PHOTO_NAME)
            self.assertTrue(photo['dms_shared'])
            with open(self.photo, 'rb') as fp:
                self.assertEqual(binary(photo['data']), fp.read())

        with self.step("the feedback page shows what was sent"):
            self.assertEqual(page.locator('#feedback h1').inner_text().strip(),
                "#%s %s" % (feedback_id, subject))
            self.assertEqual(page.locator('#feedback-state').inner_text(),
                "Sent")
            facts = dict(zip(
                    self.texts(page.locator('#feedback dl.facts dt')),
                    self.texts(page.locator('#feedback dl.facts dd'))))
            self.assertEqual(facts, {
                    "Product": "%s %s" % (product['code'], product['name']),
                    "Attribute": "White",
                    "Estimated volume": "120",
                    "Territory": self.dealer['territory.']['rec_name'],
                    })
            self.assertIn("No answer yet.",
                page.locator('#feedback').inner_text())
            photo_link = page.locator('#chat-files a')
            self.assertEqual(self.texts(photo_link), [PHOTO_NAME])
            self.assertEqual(self.download(photo_link), png())

        with self.step("the factory acknowledges and answers: reload"):
            self.admin.dms.feedback.acknowledge([feedback_id], self.context)
            self.admin.dms.feedback.write(
                [feedback_id], {'answer': answer}, self.context)
            feedback, = self.admin.dms.feedback.read(
                [feedback_id], ['state', 'assignee', 'answered_at'],
                self.context)
            self.assertEqual(feedback['state'], 'acknowledged')
            self.assertTrue(feedback['answered_at'])
            page.reload()
            self.assertEqual(
                page.locator('#feedback').get_attribute('data-state'),
                'acknowledged')
            self.assertEqual(page.locator('#feedback-state').inner_text(),
                "Acknowledged")
            self.assertEqual(
                page.locator('#feedback-answer').inner_text().strip(), answer)
            self.save_screenshot('portal-feedback.png')

        with self.step("the buyer is told, the list shows the answer"):
            subjects = {n['subject'] for n in
                self.admin.dms.dealer.notification.search_read([
                        ('user', '=', self.buyer['id']),
                        ('resource', '=', 'dms.feedback,%s' % feedback_id),
                        ], 0, None, None, ['subject'], self.context)}
            name = "#%s %s" % (feedback_id, subject)
            self.assertEqual(subjects, {
                    "Your feedback %s is acknowledged" % name,
                    "The factory answered your feedback %s" % name,
                    })
            self.open_nav("Feedback", 'feedback')
            row = page.locator(
                'table#feedback tbody > tr[data-id="%s"]' % feedback_id)
            self.assertEqual(
                row.locator('td[data-label="Subject"]').inner_text().strip(),
                subject)
            self.assertEqual(
                row.locator('td[data-label="Status"]').inner_text().strip(),
                "Acknowledged · Answered")
        self.assertNoNewErrors()

    # Conversation on an order

    def test_order_conversation(self):
        "A message on an order, the factory's public answer, not its note"
        page = self.page
        sales = self.admin.sale.sale.search_read([
                ('dealer', '=', self.dealer['id']),
                ('state', 'in', ['confirmed', 'processing']),
                ], 0, 1, [('id', 'ASC')], ['number'], self.context)
        self.assertTrue(sales, "D0001 has no open order")
        sale, = sales
        resource = 'sale.sale,%s' % sale['id']
        order = self.url('orders/%s' % sale['id'])
        text = "Can order %s leave the factory before Friday? (%s)" % (
            sale['number'], TOKEN)
        reply = "Yes: it leaves on Thursday morning. (%s)" % TOKEN
        note = "Internal: check the compressor stock first. (%s)" % TOKEN

        def messages():
            return {m['content']: m for m in
                self.admin.ir.chat.message.search_read([
                        ('channel.resource', '=', resource),
                        ('content', 'in', [text, reply, note]),
                        ], 0, None, None,
                    ['content', 'email', 'audience', 'user'],
                    self.context)}

        with self.step("open an order of D0001"):
            self.sign_in()
            page.goto(order)
            self.assertEqual(page.locator('h1').inner_text().strip(),
                "Order %s" % sale['number'])
            chat = page.locator('#chat')
            chat.wait_for(state='visible')
            self.assertEqual(
                chat.locator('#chat-title').inner_text().strip(),
                "Conversation with the factory")

        with self.step("the order open in a second tab"):
            other = page.context.new_page()
            other.goto(order)
            other_messages = other.locator('#chat-messages')

        with self.step("send a message to the factory"):
            chat.locator('#chat-content').fill(text)
            with page.expect_navigation():
                chat.get_by_role('button', name="Send").click()
            self.assertEqual(page.url, order + '#chat')
            self.assertEqual(self.flash(), "Your message is sent.")
            mine = chat.locator('#chat-messages li.mine').filter(
                has_text=text)
            self.assertEqual(mine.locator('.author').inner_text().strip(),
                self.buyer['email'])
            self.assertEqual(mine.locator('.content').inner_text().strip(),
                text)

        with self.step("the second tab shows it without reloading"):
            # The panel asks for the new messages every 5 seconds
            other_messages.locator('li.mine').filter(has_text=text).wait_for(
                state='visible')
            self.assertEqual(other_messages.locator('li.mine').filter(
                    has_text=text).locator('.author').inner_text().strip(),
                self.buyer['email'])
            other.close()

        with self.step("the message is on the order's channel"):
            message, = messages().values()
            self.assertEqual(
                (message['content'], message['email'], message['audience'],
                    message['user']),
                (text, self.buyer['email'], 'public', None))

        with self.step("the factory answers and writes a note: reload"):
            self.admin.ir.chat.channel.post(
                resource, reply, 'public', self.context)
            self.admin.ir.chat.channel.post(
                resource, note, 'internal', self.context)
            self.assertEqual(
                {c: m['audience'] for c, m in messages().items()},
                {text: 'public', reply: 'public', note: 'internal'})
            page.reload()
            factory = chat.locator('#chat-messages li.factory').filter(
                has_text=reply)
            factory.wait_for(state='visible')
            self.assertEqual(
                factory.locator('.author').inner_text().strip(),
                "Factory · %s" % self.admin_name)
            self.assertEqual(
                factory.locator('.content').inner_text().strip(), reply)
            # The answer after the question
            contents = self.texts(chat.locator('#chat-messages .content'))
            self.assertLess(contents.index(text), contents.index(reply))
            # The note stays in the factory, not even in the HTML
            self.assertNotIn(note, page.content())
            chat.scroll_into_view_if_needed()
            self.save_screenshot('portal-order-chat.png')

        with self.step("the inbox has the factory's answer, not the note"):
            self.open_nav("Inbox", 'inbox')
            items = page.locator('#notifications li[data-kind="chat"]')
            item = items.filter(has_text=reply)
            self.assertEqual(item.count(), 1)
            self.assertIn('unread', item.get_attribute('class').split())
            self.assertEqual(item.locator('.subject').inner_text().strip(),
                "New message from the factory on %s" % sale['number'])
            self.assertEqual(item.locator('.text').inner_text().strip(),
                reply)
            self.assertNotIn(note, page.content())
            self.assertEqual(
                self.admin.dms.dealer.notification.search_count([
                        ('user', '=', self.buyer['id']),
                        ('kind', '=', 'chat'),
                        ('resource', '=', resource),
                        ('text', 'in', [reply, note]),
                        ], self.context), 1)

        with self.step("the notification leads to the order"):
            with page.expect_navigation():
                item.get_by_role('button').click()
            self.assertEqual(page.url, order)
            self.assertTrue(page.locator('#chat-messages li.factory').filter(
                    has_text=reply).is_visible())

        with self.step("in Chinese, the next notification is in Chinese"):
            # The portal's language is the buyer's: the factory's next
            # answer is told in Chinese in the inbox (and its e-mail)
            page.get_by_role('button', name="简体中文").click()
            page.locator('html[lang="zh-CN"]').wait_for(state='attached')
            later = "Confirmed for Thursday. (%s)" % TOKEN
            self.admin.ir.chat.channel.post(
                resource, later, 'public', self.context)
            page.goto(self.url('inbox'))
            item = page.locator('#notifications li[data-kind="chat"]').filter(
                has_text=later)
            self.assertEqual(item.locator('.subject').inner_text().strip(),
                "工厂就 %s 发来了新消息" % sale['number'])
            # The e-mail settings read one line each, not a character a line
            lines = page.locator(
                '#email-preferences label.check').evaluate_all(
                "labels => labels.map(l => l.getBoundingClientRect().height"
                " / parseFloat(getComputedStyle(l).lineHeight))")
            self.assertTrue(lines)
            self.assertLess(max(lines), 1.5, lines)
            page.get_by_role('button', name="English").click()
            page.locator('html[lang="en"]').wait_for(state='attached')
        self.assertNoNewErrors()

    # The back office

    # sao's helpers of the back-office test: login, menu, tab, wait_idle()
    login = backoffice.BackOfficeBrowserTestCase.login
    menu_row = backoffice.BackOfficeBrowserTestCase.menu_row
    current_tab = backoffice.BackOfficeBrowserTestCase.current_tab
    open_action = backoffice.BackOfficeBrowserTestCase.open_action
    wait_idle = backoffice.BackOfficeBrowserTestCase.wait_idle

    def watch_rpc(self, page):
        "Keep the RPC calls of sao in flight in rpc_in_flight, for wait_idle"
        self.rpc_in_flight = set()

        def is_rpc(request):
            return request.method == 'POST' and not request.url.endswith(
                '/bus')

        def started(request):
            if is_rpc(request):
                self.rpc_in_flight.add(request.url + ' #%x' % id(request))

        def ended(request):
            self.rpc_in_flight.discard(request.url + ' #%x' % id(request))
        page.on('request', started)
        page.on('requestfinished', ended)
        page.on('requestfailed', ended)

    def cell(self, treeview, row, header):
        "The text of the row's cell under the header of the treeview"
        th = treeview.locator('thead th:visible').filter(
            has_text=re.compile(r'^\s*%s\s*$' % re.escape(header)))
        return row.locator('td[headers="%s"]' % th.get_attribute(
                'id')).inner_text().strip()

    def test_backoffice_live_chat(self):
        """A dealer's message appears in the web client's open chat of the
        order without reopening it, with the user and the dealer as author
        (the bus: PostgreSQL's LISTEN/NOTIFY, on SQLite the server's own
        process)"""
        portal = self.page
        sale, = self.admin.sale.sale.search_read([
                ('dealer', '=', self.dealer['id']),
                ('state', 'in', ['confirmed', 'processing']),
                ], 0, 1, [('id', 'DESC')], ['number', 'party.rec_name'],
            self.context)
        text = "Can the pallets of %s be shrink-wrapped? (%s)" % (
            sale['number'], TOKEN)
        with self.step("the buyer opens the order in the portal"):
            self.sign_in(page=portal)
            portal.goto(self.url('orders/%s' % sale['id']))

        back = self.page = self.open_page()
        self.watch_rpc(back)
        with self.step("the factory opens the order's chat"):
            self.login(*DEMO_LOGINS['admin'])
            back.goto('%s/#%s/model/sale.sale/%s' % (
                    self.server.url, self.server.database, sale['id']))
            button = back.locator('#tabs button#chat:visible')
            button.first.wait_for(state='visible')
            self.wait_idle()
            button.first.click()
            messages = back.locator('.chat .chat-messages')
            # Empty (the order has no message yet): its form shows
            back.locator('.chat textarea').wait_for(state='visible')
            self.wait_idle()

        with self.step("the buyer writes; the open chat shows it"):
            portal.locator('#chat-content').fill(text)
            with portal.expect_navigation():
                portal.locator('#chat').get_by_role(
                    'button', name="Send").click()
            message = messages.locator('.chat-message').filter(
                has_text=text)
            message.wait_for(state='visible')
            self.assertNotIn('system-message',
                message.get_attribute('class').split())
            author = message.locator('.media-heading')
            self.assertTrue(author.inner_text().strip().startswith(
                    "%s (%s)" % (self.buyer['email'],
                        sale['party.']['rec_name'])),
                author.inner_text())
            # The time of the message is shown with its author
            self.assertTrue(author.locator('small').inner_text().strip())
        self.assertNoNewErrors()

    def test_backoffice_bulletin_receipts(self):
        "The factory sees in the back office who read and acknowledged"
        bulletin = self.receipts_bulletin

        with self.step("the buyer of D0001 reads and acknowledges"):
            self.sign_in()
            self.open_nav("Bulletins", 'bulletins')
            self.open_bulletin(bulletin)
            with self.page.expect_navigation():
                self.page.get_by_role(
                    'button', name="I have taken note").click()
            self.assertEqual(self.flash(),
                "Thank you: the factory sees that you have taken note.")
            receipts = {r['dealer.']['code']: r['status']
                for r in self.admin.dms.bulletin.receipt.search_read(
                    [('bulletin', '=', bulletin['id'])], 0, None, None,
                    ['dealer.code', 'status'], self.context)}
            self.assertEqual(receipts,
                {'D0001': 'acknowledged', 'D0005': 'unread'})
        self.assertNoNewErrors()

        # The back office in a page of its own
        self.page.context.close()
        page = self.page = self.open_page()
        self.watch_rpc(page)
        with self.step("log in to the back office as admin"):
            self.login(*DEMO_LOGINS['admin'])

        with self.step("open the menu Dealers > Communication > Bulletins"):
            self.menu_row('Dealers').click()
            communication = self.menu_row('Communication')
            communication.wait_for(state='visible')
            self.wait_idle()
            communication.click()
            action = self.menu_row('Bulletins')
            action.wait_for(state='visible')
            self.wait_idle()
            tab = self.open_action(action)
            self.wait_idle()

        with self.step("find the bulletin among the published ones"):
            tabs = tab.locator('.tab-domain .nav-tabs > li > a')
            tabs.filter(has_text='Published').click()
            treeview = tab.locator('.treeview').first
            # The latest published first: sao draws it whatever the others
            row = treeview.locator('tbody > tr:visible').filter(
                has=page.get_by_text(bulletin['title'], exact=True))
            row.wait_for(state='visible')
            self.wait_idle()
            # Audience and Dealers are optional columns (hidden: the list
            # fits a laptop's screen)
            self.assertEqual(
                [self.cell(treeview, row, h)
                    for h in ['Kind', 'Read', 'Acknowledged']],
                ['Policy', '1', '1'])

        with self.step("open the bulletin"):
            row.locator('td', has_text=bulletin['title']).dblclick()
            notebook = tab.locator('.form-notebook:visible').first
            notebook.wait_for(state='visible')
            title = tab.locator('.form input[name="title"]:visible, '
                '.form [name="title"]:visible input').first
            page.wait_for_function("([el, title]) => el.value === title",
                arg=[title.element_handle(), bulletin['title']])
            self.wait_idle()

        with self.step("show its Receipts tab"):
            notebook.locator('> .nav-tabs > li:visible > a').filter(
                has_text=re.compile(r'^\s*Receipts\s*$')).click()
            receipts = notebook.locator('.tab-pane.active .treeview').first
            d0001 = receipts.locator('tbody > tr:visible').filter(
                has_text='D0001')
            d0001.wait_for(state='visible')
            self.wait_idle()
            for name, value in [('dealer_count', '2'), ('read_count', '1'),
                    ('acknowledged_count', '1')]:
                field = notebook.locator(
                    'input[name="%s"]:visible' % name).first
                self.assertEqual(field.input_value(), value, name)
            self.assertEqual(
                receipts.locator('tbody > tr:visible').count(), 2)
            d0005 = receipts.locator('tbody > tr:visible').filter(
                has_text='D0005')
            self.assertEqual(self.cell(receipts, d0001, 'Status'),
                "Acknowledged")
            self.assertEqual(self.cell(receipts, d0005, 'Status'),
                "Not Read")
            # Who acknowledged is an optional column (hidden): when
            self.assertTrue(self.cell(receipts, d0001, 'Acknowledged At'))
            self.assertFalse(self.cell(receipts, d0005, 'Acknowledged At'))

        with self.step("hide the menu for the screenshot"):
            # The form is wide: all of it beside the menu does not fit
            page.locator('a.navbar-brand[data-toggle=menu]').click()
            page.locator('#menu').wait_for(state='hidden')
            page.evaluate("() => document.activeElement.blur()")
            self.assertTrue(d0001.is_visible())
            self.save_screenshot('backoffice-bulletin.png')
        self.assertNoNewErrors()


if __name__ == '__main__':
    unittest.main()
