# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The database held to the access tables of the modules' doc/design.rst

Each DMS module documents, in its design, the access of the groups to its
models (tables of the class ``access-matrix``: R read, W write, C create,
D delete) and dms_dealer the fields nobody reads (``secret-fields``) and the
models that users linked to a dealer and integrators read (``reference
data``).  These tests compute the access of a user of each profile to every
model of the pool and fail on any model or field readable or writable
beyond the tables: a new model, a new access record or a new default of a
Tryton module shows up here until the design says it is meant."""
import os
import re

from trytond import tools
from trytond.model import fields
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from dms_portal.portal import as_portal

# The columns of the tables: (label, groups (module, XML id), linked to a
# dealer)
PROFILES = [
    ('DMS Manager', [('dms_dealer', 'group_dms_manager')], False),
    ('DMS User', [('dms_dealer', 'group_dms_user')], False),
    ('DMS Integration', [('dms_dealer', 'group_dms_integration')], False),
    ('DMS Integration, linked to a dealer',
        [('dms_dealer', 'group_dms_integration')], True),
    ('DMS User, linked to a dealer',
        [('dms_dealer', 'group_dms_user')], True),
    # The portal's own user (dms_portal.user_portal) in a dealer's session
    ('DMS Portal', [('dms_portal', 'group_dms_portal')], 'portal'),
    ]
# The profiles that read only the reference data and what their groups
# grant
RESTRICTED = {
    'DMS Integration', 'DMS Integration, linked to a dealer',
    'DMS User, linked to a dealer'}
MODULES = [
    'dms_dealer', 'dms_portal', 'dms_communication', 'dms_orders',
    'dms_campaigns', 'dms_reports']
# Fields whose name says they may hold a secret
SECRET_NAME = re.compile(r'password|token|secret|hash|cookie|(^|_)key$')
PERMS = ['read', 'write', 'create', 'delete']


def design(module):
    """The design of the module: its doc/design.rst and the other pages of
    its doc (where a part of the module keeps its own tables)"""
    directory = os.path.join(os.path.dirname(tools.file_open(
                os.path.join(module, 'tryton.cfg')).name), 'doc')
    names = ['design.rst'] + sorted(
        n for n in os.listdir(directory)
        if n.endswith('.rst') and n != 'design.rst')
    texts = []
    for name in names:
        with open(os.path.join(directory, name), encoding='utf-8') as fp:
            texts.append(fp.read())
    return '\n'.join(texts)


def list_tables(text, class_):
    "The rows of the list-tables of class_ in an rst text"
    tables = []
    for match in re.finditer(
            r'^\.\. list-table::.*\n((?:   :.*\n)+)\n((?:   .*\n|\n)+)',
            text, re.M):
        options, body = match.groups()
        if ':class: %s' % class_ not in options:
            continue
        rows = []
        for row in re.split(r'^   \* ', body, flags=re.M)[1:]:
            cells = [
                ' '.join(c.split()) for c in re.split(r'^     - |^- ',
                    row, flags=re.M) if c.strip()]
            rows.append(cells)
        tables.append(rows)
    return tables


def literals(text):
    return re.findall(r'``([^`]+)``', text)


def perms(access):
    return ''.join(
        c for c, p in zip('RWCD', PERMS) if access[p]) or '-'


class AccessMatrixTestMixin:
    "Hold the access of the groups to the tables of the design"

    def documented(self):
        "{model: {profile: perms}} of every access-matrix table"
        matrix = {}
        for module in MODULES:
            for rows in list_tables(design(module), 'access-matrix'):
                header, *rows = rows
                self.assertEqual(header[0], 'Model')
                for row in rows:
                    for model in literals(row[0]):
                        matrix[model] = dict(zip(header[1:], [
                                    c.replace('\\-', '-') for c in row[1:]]))
        return matrix

    def reference_data(self):
        "The models the restricted profiles read besides their grants"
        text = design('dms_dealer')
        block = re.search(
            r'^\.\. _reference-data:\n(.*?)(?=^\.\. _)', text,
            re.M | re.S).group(1)
        return set(literals(block))

    def profile_access(self, models):
        "{profile: {model: perms}} and the same for a user without group"
        pool = Pool()
        User = pool.get('res.user')
        WebUser = pool.get('web.user')
        Dealer = pool.get('dms.dealer')
        ModelAccess = pool.get('ir.model.access')
        ModelData = pool.get('ir.model.data')
        Company = pool.get('company.company')
        Party = pool.get('party.party')
        companies = Company.search([], limit=1)
        if not companies:
            from trytond.modules.company.tests import create_company
            companies = [create_company()]
        company, = companies
        party, = Party.create([{'name': "Access Dealer"}])
        dealer, = Dealer.create([{
                    'company': company.id, 'party': party.id,
                    'code': 'ACCESS'}])
        result = {}
        for label, groups, linked in [('', [], False)] + PROFILES:
            if linked == 'portal':
                web_user, = WebUser.create([{
                            'email': 'access@example.com',
                            'dealer': dealer.id,
                            }])
                with as_portal(pool, web_user):
                    result[label] = {
                        m: perms(a)
                        for m, a in ModelAccess.get_access(models).items()}
                continue
            user, = User.create([{
                        'login': 'access %s' % label,
                        'groups': [('add', [
                                    ModelData.get_id(*g) for g in groups])],
                        'dealer': dealer.id if linked else None,
                        }])
            with Transaction().set_user(user.id):
                result[label] = {
                    m: perms(a)
                    for m, a in ModelAccess.get_access(models).items()}
        return result.pop(''), result

    @with_transaction()
    def test_access_matrix(self):
        """Test each profile reads and writes exactly what the access
        tables of the design say"""
        pool = Pool()
        models = sorted(name for name, _ in pool.iterobject())
        documented = self.documented()
        reference = self.reference_data()
        self.assertTrue(reference)
        baseline, actual = self.profile_access(models)
        unknown = (set(documented) | reference) - set(models)
        self.assertFalse(unknown, "documented models that do not exist")
        wrong = []
        for model in models:
            for label, _, linked in PROFILES:
                if model in documented:
                    expected = documented[model][label]
                elif model.startswith('dms.'):
                    expected = 'a row in the table'
                elif linked == 'portal':
                    # It reads what every user reads and writes nothing
                    expected = 'R' if 'R' in baseline[model] else '-'
                elif label in RESTRICTED:
                    # Tryton's defaults for every user, read only and only
                    # for the reference data
                    expected = ('R' if 'R' in baseline[model]
                        and model in reference else '-')
                else:
                    expected = baseline[model]
                if actual[label][model] != expected:
                    wrong.append((model, label, expected,
                            actual[label][model]))
        self.assertFalse(wrong, "\n".join(
                "%s for %s: documented %s, is %s" % w for w in wrong))

    @with_transaction()
    def test_reference_data_readable(self):
        """Test the reference data of the design is readable by every user
        (its listing is not stale)"""
        reference = self.reference_data()
        baseline, _ = self.profile_access(sorted(reference))
        self.assertFalse(
            [m for m in sorted(reference) if 'R' not in baseline[m]])

    @with_transaction()
    def test_secret_fields(self):
        """Test the secret fields of the design are neither readable nor
        writable by any profile, nor described to it, and that every field
        named like a secret is listed as one or as not secret"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        FieldAccess = pool.get('ir.model.field.access')
        text = design('dms_dealer')
        secrets, not_secret = set(), set()
        for rows in list_tables(text, 'secret-fields'):
            header, *rows = rows
            for model, field_names, secret, *_ in rows:
                for model in literals(model):
                    for name in literals(field_names):
                        (secrets if secret == 'yes' else not_secret).add(
                            (model, name))
        self.assertTrue(secrets)
        named = {
            (model_name, name)
            for model_name, Model in pool.iterobject()
            for name, field in Model._fields.items()
            if SECRET_NAME.search(name)
            and not isinstance(field, (fields.One2Many, fields.Many2Many))}
        self.assertEqual(named - secrets - not_secret, set(),
            "fields named like secrets without a line in the design")
        admin, = User.search([('login', '=', 'admin')])
        users = [admin] + [User.create([{
                        'login': 'secrets %s' % label,
                        'groups': [('add', [
                                    ModelData.get_id(*g) for g in groups])],
                        }])[0] for label, groups, _ in PROFILES]
        for user in users:
            with Transaction().set_user(user.id), \
                    Transaction().set_context(_check_access=True):
                for model, name in sorted(secrets):
                    with self.subTest(user=user.login, model=model,
                            field=name):
                        access = FieldAccess.get_access([model])[model]
                        self.assertFalse(access[name]['read'])
                        self.assertFalse(access[name]['write'])
                        Model = pool.get(model)
                        self.assertNotIn(name, Model.fields_get())
