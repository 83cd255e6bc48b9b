"""The demo data of dms_dealer

- the factory company (CNY), its chart of accounts, fiscal years, the
  administrator (``admin``/``admin``) and sales representatives;
- China with six provinces and their cities, as subdivisions and as the
  territory tree of the dealer network;
- four dealer tiers, each with its price list, payment term and credit limit;
- 24 dealers with their parties, sub-dealers, states and tier changes.

For benchmarks, generated active dealers ``D00001``... over the demo
territories and tiers."""
import datetime as dt
import os
import random
from decimal import Decimal

from trytond.pool import Pool
from trytond.transaction import Transaction

from .common import (
    ADMIN_EMAIL, SEED, admin_context, batch_size, progress, tr, transaction,
    translate)


COMPANY = ("Yangtze Appliance Manufacturing Co.", "长江家电制造有限公司")
COMPANY_ADDRESS = ("88 Binjiang Avenue", "滨江大道88号", 'CN-ZJ-HZ')
# (login, English name, Chinese name); the first one is the administrator
EMPLOYEES = [
    ('admin', "Zhang Wei", "张伟"),
    (None, "Chen Jing", "陈静"),
    (None, "Wang Fang", "王芳"),
    (None, "Liu Yang", "刘洋"),
    ]
CHINA = ('CN', 'CHN', '156', "China", "中国")
# (code, subdivision type, English, Chinese, cities or districts:
#   (code, English, Chinese, latitude, longitude))
PROVINCES = [
    ('ZJ', 'province', "Zhejiang", "浙江省", [
            ('HZ', "Hangzhou", "杭州市", 30.2741, 120.1551),
            ('NB', "Ningbo", "宁波市", 29.8683, 121.5440),
            ('WZ', "Wenzhou", "温州市", 27.9943, 120.6994),
            ]),
    ('GD', 'province', "Guangdong", "广东省", [
            ('GZ', "Guangzhou", "广州市", 23.1291, 113.2644),
            ('SZ', "Shenzhen", "深圳市", 22.5431, 114.0579),
            ('FS', "Foshan", "佛山市", 23.0215, 113.1214),
            ]),
    ('JS', 'province', "Jiangsu", "江苏省", [
            ('NJ', "Nanjing", "南京市", 32.0603, 118.7969),
            ('SU', "Suzhou", "苏州市", 31.2990, 120.5853),
            ('WX', "Wuxi", "无锡市", 31.4912, 120.3119),
            ]),
    ('SC', 'province', "Sichuan", "四川省", [
            ('CD', "Chengdu", "成都市", 30.5728, 104.0668),
            ('MY', "Mianyang", "绵阳市", 31.4675, 104.6796),
            ]),
    ('SH', 'municipality', "Shanghai", "上海市", [
            ('PD', "Pudong", "浦东新区", 31.2215, 121.5447),
            ('MH', "Minhang", "闵行区", 31.1129, 121.3817),
            ]),
    ('BJ', 'municipality', "Beijing", "北京市", [
            ('CY', "Chaoyang", "朝阳区", 39.9215, 116.4431),
            ('HD', "Haidian", "海淀区", 39.9593, 116.2981),
            ]),
    ]
# (code, English, Chinese, sequence, supply priority, marketing fund rate,
#  credit limit, price factor, payment days, benefits)
TIERS = [
    ('PLATINUM', "Platinum", "白金", 10, 40, '0.05', 2_000_000, '0.80', 60,
        "20% off list price, first supply priority, 5% marketing fund, "
        "60 days net, dedicated account manager."),
    ('GOLD', "Gold", "黄金", 20, 30, '0.03', 1_000_000, '0.85', 45,
        "15% off list price, high supply priority, 3% marketing fund, "
        "45 days net."),
    ('SILVER', "Silver", "白银", 30, 20, '0.02', 500_000, '0.90', 30,
        "10% off list price, 2% marketing fund, 30 days net."),
    ('BRONZE', "Bronze", "青铜", 40, 10, '0.01', 200_000, '0.95', 30,
        "5% off list price, 1% marketing fund, 30 days net."),
    ]
# Dealer names: "<city> <word> <kind>" in English, "<city><word><kind>"
NAME_WORDS = [
    ("Xinghe", "星河"), ("Hengtai", "恒泰"), ("Jinshi", "金石"),
    ("Huamei", "华美"), ("Ruifeng", "瑞丰"), ("Tianyi", "天一"),
    ("Dongfang", "东方"), ("Changsheng", "长盛"), ("Baoli", "宝利"),
    ("Hongda", "宏达"), ("Yongxin", "永鑫"), ("Zhongcheng", "中诚"),
    ]
NAME_KINDS = [
    ("Trading Co.", "商贸有限公司"),
    ("Appliance Co.", "电器有限公司"),
    ("Electrical Sales Co.", "电器销售有限公司"),
    ]
# D0001..D0024: (city code, tier, state, number of the parent dealer or
# None); D0001 is Platinum and D0005 Gold, both active
DEALERS = [
    ('CN-ZJ-HZ', 'PLATINUM', 'active', None),
    ('CN-ZJ-NB', 'SILVER', 'active', 1),
    ('CN-ZJ-WZ', 'BRONZE', 'active', 1),
    ('CN-GD-GZ', 'PLATINUM', 'active', None),
    ('CN-GD-SZ', 'GOLD', 'active', 4),
    ('CN-GD-FS', 'SILVER', 'active', 4),
    ('CN-JS-NJ', 'GOLD', 'active', None),
    ('CN-JS-SU', 'GOLD', 'active', 7),
    ('CN-JS-WX', 'BRONZE', 'active', 7),
    ('CN-SC-CD', 'SILVER', 'active', None),
    ('CN-SC-MY', 'BRONZE', 'active', None),
    ('CN-SH-PD', 'PLATINUM', 'active', None),
    ('CN-SH-MH', 'GOLD', 'active', None),
    ('CN-BJ-CY', 'PLATINUM', 'active', None),
    ('CN-BJ-HD', 'GOLD', 'active', None),
    ('CN-ZJ-HZ', 'GOLD', 'active', None),
    ('CN-GD-GZ', 'BRONZE', 'active', None),
    ('CN-GD-SZ', 'BRONZE', 'active', None),
    ('CN-JS-NJ', 'SILVER', 'active', None),
    ('CN-SC-CD', 'SILVER', 'active', None),
    ('CN-ZJ-NB', 'BRONZE', 'suspended', None),
    ('CN-ZJ-WZ', 'BRONZE', 'terminated', None),
    ('CN-GD-FS', 'BRONZE', 'prospect', None),
    ('CN-JS-SU', 'SILVER', 'prospect', None),
    ]
# Tier changes after creation, kept in the tier history with their reason
TIER_CHANGES = {
    'D0010': ('GOLD', "Annual review: sales target exceeded by 18%."),
    'D0013': ('SILVER', "Annual review: two quarters below target."),
    'D0017': ('SILVER', "Strong results in the summer co-marketing campaign."),
    }


def fill(demo):
    """The company, people, territories, tiers and dealers; set the
    company, the sales representatives and the administrator of demo"""
    setup_currency_and_country(demo.database)
    demo.company_id = setup_company(demo.database, demo.lang)
    demo.reps = setup_people(demo.database, demo.lang)
    demo.admin_id, demo.context = admin_context(demo.database)
    setup_territories(demo.database, demo.company_id)
    setup_tiers(demo.database, demo.company_id)
    setup_dealers(demo.database, demo.company_id, demo.admin_id,
        demo.context, demo.lang, demo.reps)


def generate(demo):
    "The generated dealers for benchmarks"
    generate_dealers(demo.database, demo.admin_id, demo.context,
        demo.dealers, demo.lang, demo.reps)


# Company, accounting and people

def setup_currency_and_country(database):
    "Create CNY, China and its provinces if missing"
    pool = Pool(database)
    Currency = pool.get('currency.currency')
    Country = pool.get('country.country')
    Subdivision = pool.get('country.subdivision')
    with transaction(database):
        if not Currency.search([('code', '=', 'CNY')]):
            currencies = Currency.create([{
                        'name': "Chinese Yuan Renminbi",
                        'code': 'CNY',
                        'numeric_code': '156',
                        'symbol': '¥',
                        'rounding': Decimal('0.01'),
                        'digits': 2,
                        }])
            translate(Currency, currencies, ["人民币"])
        code, code3, numeric, en, zh = CHINA
        countries = Country.search([('code', '=', code)])
        if not countries:
            countries = Country.create([{
                        'name': en, 'code': code, 'code3': code3,
                        'code_numeric': numeric,
                        }])
            translate(Country, countries, [zh])
        country, = countries
        existing = {s.code for s in Subdivision.search([
                    ('country', '=', country.id)])}
        provinces = [p for p in PROVINCES if f'CN-{p[0]}' not in existing]
        subdivisions = Subdivision.create([{
                    'country': country.id,
                    'code': f'CN-{code}',
                    'name': en,
                    'type': type_,
                    } for code, type_, en, _, _ in provinces])
        translate(Subdivision, subdivisions, [p[3] for p in provinces])


def setup_company(database, lang):
    "Create the factory company and its accounting with proteus if missing"
    pool = Pool(database)
    Company = pool.get('company.company')
    Account = pool.get('account.account')
    FiscalYear = pool.get('account.fiscalyear')
    today = dt.date.today()
    years = range((today - dt.timedelta(days=180)).year, today.year + 2)
    with transaction(database):
        companies = Company.search([], limit=1)
        company_id = companies[0].id if companies else None
        has_chart = company_id and Account.search_count(
            [('company', '=', company_id)])
        missing_years = [y for y in years if not company_id
            or not FiscalYear.search_count([
                    ('company', '=', company_id),
                    ('start_date', '<=', dt.date(y, 6, 30)),
                    ('end_date', '>=', dt.date(y, 6, 30)),
                    ])]
    if company_id and has_chart and not missing_years:
        return company_id

    from proteus import Model
    from proteus import config as pconfig
    from trytond.modules.account.tests.tools import (
        create_chart, create_fiscalyear)
    from trytond.modules.account_invoice.tests.tools import (
        set_fiscalyear_invoice_sequences)
    from trytond.modules.company.tests.tools import (
        create_company, get_company)
    # The configuration is already loaded: do not let proteus read the file
    # again over the environment variables
    pconfig.set_trytond(database, config_file=os.devnull)
    steps = (not company_id) + (not has_chart) + len(missing_years)
    with progress("Company", steps) as bar:
        if not company_id:
            Party = Model.get('party.party')
            Currency = Model.get('currency.currency')
            party = Party(name=tr(lang, *COMPANY))
            party.save()
            currency, = Currency.find([('code', '=', 'CNY')])
            create_company(party, currency)
            bar.update()
        company = get_company()
        if not has_chart:
            create_chart(company)
            bar.update()
        for year in missing_years:
            fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(
                    company, (dt.date(year, 1, 1), dt.date(year, 12, 31))))
            fiscalyear.click('create_period')
            bar.update()
    return company.id


def setup_people(database, lang):
    """Complete the company address, the employees and the administrator

    Return the ids of the sales representatives."""
    pool = Pool(database)
    Company = pool.get('company.company')
    Employee = pool.get('company.employee')
    Party = pool.get('party.party')
    Address = pool.get('party.address')
    Subdivision = pool.get('country.subdivision')
    User = pool.get('res.user')
    Lang = pool.get('ir.lang')
    with transaction(database):
        company, = Company.search([], limit=1)
        address = (company.party.addresses[0] if company.party.addresses
            else Address(party=company.party))
        if not address.street_unstructured:
            street_en, street_zh, city_code = COMPANY_ADDRESS
            subdivision, = Subdivision.search(
                [('code', '=', city_code.rsplit('-', 1)[0])])
            address.street_unstructured = tr(lang, street_en, street_zh)
            _, address.city, address.district = address_place(
                lang, city_code)
            address.postal_code = '310051'
            address.country = subdivision.country
            address.subdivision = subdivision
            address.save()
        employees = {e.party.name: e for e in Employee.search([
                    ('company', '=', company.id)])}
        names = [tr(lang, en, zh) for _, en, zh in EMPLOYEES]
        new = [n for n in names if n not in employees]
        parties = Party.create([{'name': n} for n in new])
        for employee in Employee.create([{
                        'party': p.id, 'company': company.id}
                    for p in parties]):
            employees[employee.party.name] = employee

        admin, = User.search([('login', '=', 'admin')])
        language, = Lang.search([('code', '=', lang)])
        values = {}
        # read() hides the hash: fetch it as the login does
        _, password_hash, _ = User._get_login('admin')
        if not password_hash or not User.check_password(
                'admin', password_hash)[0]:
            values['password_hash'] = User.hash_password('admin')
        if admin.email != ADMIN_EMAIL:
            values['email'] = ADMIN_EMAIL
        if lang == 'zh_CN' and admin.name == "Administrator":
            values['name'] = "系统管理员"
        if company not in admin.companies:
            values['companies'] = [('add', [company.id])]
        if admin.company != company:
            values['company'] = company.id
        admin_employee = employees[names[0]]
        if admin_employee not in admin.employees:
            values['employees'] = [('add', [admin_employee.id])]
        if admin.employee != admin_employee:
            values['employee'] = admin_employee.id
        if admin.language != language:
            values['language'] = language.id
        if values:
            User.write([admin], values)

        # The demo is configured: no configuration wizard at admin's login
        ConfigItem = pool.get('ir.module.config_wizard.item')
        items = ConfigItem.search([('state', '!=', 'done')])
        if items:
            ConfigItem.write(items, {'state': 'done'})
        return [employees[n].id for n in names[1:]]


def city_name(code):
    for province, _, _, _, cities in PROVINCES:
        for city, en, zh, _, _ in cities:
            if code == f'CN-{province}-{city}':
                return en, zh
    raise KeyError(code)


# Dealer network

def setup_territories(database, company_id):
    "Create the territory tree China / provinces / cities"
    pool = Pool(database)
    Territory = pool.get('dms.territory')
    Country = pool.get('country.country')
    Subdivision = pool.get('country.subdivision')
    codes = [CHINA[0]] + [f'CN-{p}' for p, *_ in PROVINCES] + [
        f'CN-{p}-{c}' for p, *_, cities in PROVINCES for c, *_ in cities]
    with transaction(database, company=company_id), \
            progress("Territories", len(codes)) as bar:
        existing = {t.code: t for t in Territory.search([])}
        bar.update(len(existing))
        country, = Country.search([('code', '=', CHINA[0])])
        if CHINA[0] not in existing:
            china, = Territory.create([{
                        'name': CHINA[3], 'code': CHINA[0],
                        'level': 'country', 'country': country.id,
                        }])
            translate(Territory, [china], [CHINA[4]])
            existing[china.code] = china
            bar.update()
        subdivisions = {s.code: s for s in Subdivision.search([
                    ('country', '=', country.id)])}
        new, zh_names = [], []
        for code, _, en, zh, _ in PROVINCES:
            code = f'CN-{code}'
            if code not in existing:
                new.append({
                        'name': en, 'code': code, 'level': 'province',
                        'parent': existing[CHINA[0]].id,
                        'country': country.id,
                        'subdivision': subdivisions[code].id,
                        })
                zh_names.append(zh)
        created = Territory.create(new)
        translate(Territory, created, zh_names)
        existing.update((t.code, t) for t in created)
        bar.update(len(created))
        new, zh_names = [], []
        for province, type_, _, _, cities in PROVINCES:
            parent = existing[f'CN-{province}']
            for city, en, zh, _, _ in cities:
                code = f'CN-{province}-{city}'
                if code not in existing:
                    new.append({
                            'name': en, 'code': code,
                            'level': (
                                'district' if type_ == 'municipality'
                                else 'city'),
                            'parent': parent.id,
                            'country': country.id,
                            'subdivision': parent.subdivision.id,
                            })
                    zh_names.append(zh)
        translate(Territory, Territory.create(new), zh_names)
        bar.update(len(new))


def setup_tiers(database, company_id):
    "Create the tiers with their price lists and payment terms"
    pool = Pool(database)
    Tier = pool.get('dms.dealer.tier')
    PriceList = pool.get('product.price_list')
    PaymentTerm = pool.get('account.invoice.payment_term')
    with transaction(database, company=company_id):
        existing = {t.code for t in Tier.search([
                    ('active', 'in', [True, False])])}
        tiers = [t for t in TIERS if t[0] not in existing]
        if not tiers:
            return
        bar = progress("Tiers", len(tiers))
        terms = {t.name: t for t in PaymentTerm.search([])}
        for days in sorted({t[8] for t in tiers}):
            name = f"{days} Days Net"
            if name not in terms:
                terms[name], = PaymentTerm.create([{
                            'name': name,
                            'lines': [('create', [{
                                            'type': 'remainder',
                                            'relativedeltas': [('create', [{
                                                            'days': days,
                                                            }])],
                                            }])],
                            }])
                translate(PaymentTerm, [terms[name]], [f"{days}天账期"])
        price_lists = PriceList.create([{
                    'name': f"{en} Dealer Prices",
                    'company': company_id,
                    'price': 'list_price',
                    'lines': [('create', [{
                                    'formula': (
                                        f"unit_price * Decimal('{factor}')"),
                                    }])],
                    } for _, en, _, _, _, _, _, factor, _, _ in tiers])
        translate(PriceList, price_lists, [
                f"{zh}经销商价格表" for _, _, zh, *_ in tiers])
        created = Tier.create([{
                    'code': code,
                    'name': en,
                    'sequence': sequence,
                    'supply_priority': priority,
                    'marketing_fund_rate': Decimal(rate),
                    'credit_limit_amount': Decimal(credit),
                    'price_list': price_list.id,
                    'payment_term': terms[f"{days} Days Net"].id,
                    'benefits': benefits,
                    } for (code, en, _, sequence, priority, rate, credit, _,
                    days, benefits), price_list in zip(tiers, price_lists)])
        translate(Tier, created, [zh for _, _, zh, *_ in tiers])
        bar.update(len(created))
        bar.close()


def dealer_name(lang, city_code, index):
    city_en, city_zh = city_name(city_code)
    word_en, word_zh = NAME_WORDS[index % len(NAME_WORDS)]
    kind_en, kind_zh = NAME_KINDS[index % len(NAME_KINDS)]
    if lang == 'zh_CN':
        city = city_zh.removesuffix('市').removesuffix('新区').removesuffix('区')
        return f"{city}{word_zh}{kind_zh}"
    return f"{city_en} {word_en} {kind_en}"


def near(rng, value):
    "A coordinate within about 10 km of value"
    return Decimal(str(round(value + rng.uniform(-0.08, 0.08), 6)))


def city_coordinates():
    return {
        f'CN-{province}-{city}': (lat, lon)
        for province, _, _, _, cities in PROVINCES
        for city, _, _, lat, lon in cities}


# A district of each prefecture-level city, for the 省/市/区 addresses (the
# cities of a municipality are its districts)
DISTRICTS = {
    'CN-ZJ-HZ': ("Xihu District", "西湖区"),
    'CN-ZJ-NB': ("Haishu District", "海曙区"),
    'CN-ZJ-WZ': ("Lucheng District", "鹿城区"),
    'CN-GD-GZ': ("Tianhe District", "天河区"),
    'CN-GD-SZ': ("Futian District", "福田区"),
    'CN-GD-FS': ("Chancheng District", "禅城区"),
    'CN-JS-NJ': ("Gulou District", "鼓楼区"),
    'CN-JS-SU': ("Gusu District", "姑苏区"),
    'CN-JS-WX': ("Liangxi District", "梁溪区"),
    'CN-SC-CD': ("Jinjiang District", "锦江区"),
    'CN-SC-MY': ("Fucheng District", "涪城区"),
    }


# Administrative division codes (GB/T 2260), the region part of a unified
# social credit code
REGION_CODES = {
    'CN-ZJ-HZ': '330100', 'CN-ZJ-NB': '330200', 'CN-ZJ-WZ': '330300',
    'CN-GD-GZ': '440100', 'CN-GD-SZ': '440300', 'CN-GD-FS': '440600',
    'CN-JS-NJ': '320100', 'CN-JS-SU': '320500', 'CN-JS-WX': '320200',
    'CN-SC-CD': '510100', 'CN-SC-MY': '510700', 'CN-SH-PD': '310115',
    'CN-SH-MH': '310112', 'CN-BJ-CY': '110105', 'CN-BJ-HD': '110108',
    }


def uscc(city_code, index):
    "A unified social credit code of a company registered in city_code"
    from stdnum.cn import uscc as stdnum_uscc
    body = '91' + REGION_CODES[city_code] + f'MA{index:06d}X'
    return body + stdnum_uscc.calc_check_digit(body)


def address_place(lang, city_code):
    """The province code, the city and the district of an address in the
    city (or district of a municipality) city_code"""
    province_code = city_code.rsplit('-', 1)[0]
    if city_code in DISTRICTS:
        return (province_code, tr(lang, *city_name(city_code)),
            tr(lang, *DISTRICTS[city_code]))
    province = next(p for p in PROVINCES if f'CN-{p[0]}' == province_code)
    return (province_code, tr(lang, province[2], province[3]),
        tr(lang, *city_name(city_code)))


def party_values(lang, name, city_code, street, postal_code, country_id,
        subdivision_id):
    """A party with its address in city_code: the province as subdivision
    (subdivision_id, the city's, when the province is missing), the city and
    the district"""
    pool = Pool()
    Subdivision = pool.get('country.subdivision')
    Lang = pool.get('ir.lang')
    province_code, city, district = address_place(lang, city_code)
    provinces = Subdivision.search([('code', '=', province_code)], limit=1)
    # The language of the dealer's notifications and e-mails
    langs = Lang.search([('code', '=', lang)], limit=1)
    return {
        'name': name,
        'lang': langs[0].id if langs else None,
        'addresses': [('create', [{
                        'street_unstructured': street,
                        'city': city,
                        'district': district,
                        'postal_code': postal_code,
                        'country': country_id,
                        'subdivision': (provinces[0].id if provinces
                            else subdivision_id),
                        }])],
        }


def setup_dealers(database, company_id, admin_id, context, lang, reps):
    "Create the 24 demo dealers and their parties"
    rng = random.Random(SEED)
    pool = Pool(database)
    Dealer = pool.get('dms.dealer')
    Tier = pool.get('dms.dealer.tier')
    Territory = pool.get('dms.territory')
    Party = pool.get('party.party')
    today = dt.date.today()
    codes = [f'D{i:04d}' for i in range(1, len(DEALERS) + 1)]
    # draw the random values for all dealers to keep them reproducible
    coordinates = city_coordinates()
    draws = [(
            near(rng, coordinates[city][0]), near(rng, coordinates[city][1]),
            rng.randint(100, 999), rng.randint(200, 2000), rng.choice(reps))
        for city, *_ in DEALERS]
    with transaction(database, admin_id, **context):
        existing = {d.code for d in Dealer.search([('code', 'in', codes)])}
        todo = [i for i, c in enumerate(codes) if c not in existing]
        if not todo:
            return
        tiers = {t.code: t for t in Tier.search([])}
        territories = {t.code: t for t in Territory.search([])}
        with progress("Dealers", len(todo) * 2) as bar:
            parties = Party.create([party_values(
                        lang, dealer_name(lang, DEALERS[i][0], i),
                        DEALERS[i][0],
                        tr(lang, f"{draws[i][2]} Renmin Road",
                            f"人民路{draws[i][2]}号"),
                        f'{draws[i][2]:03d}000',
                        territories[DEALERS[i][0]].country.id,
                        territories[DEALERS[i][0]].subdivision.id)
                    for i in todo])
            dealers = Dealer.create([{
                        'company': company_id,
                        'party': party.id,
                        'code': codes[i],
                        'tier': tiers[DEALERS[i][1]].id,
                        'territory': territories[DEALERS[i][0]].id,
                        'sales_rep': draws[i][4],
                        'latitude': draws[i][0],
                        'longitude': draws[i][1],
                        'since_date': today - dt.timedelta(days=draws[i][3]),
                        'uscc': uscc(DEALERS[i][0], i + 1),
                        'phone': f'+86 139 {5710 + i:04d} {1000 + 37 * i:04d}',
                        'contract_start_date': dt.date(today.year, 1, 1),
                        'contract_end_date': dt.date(today.year, 12, 31),
                        } for i, party in zip(todo, parties)])
            bar.update(len(todo))
            by_code = {d.code: d for d in Dealer.search([
                        ('code', 'in', codes)])}
            parents = []
            for i, dealer in zip(todo, dealers):
                if DEALERS[i][3]:
                    parent = by_code[codes[DEALERS[i][3] - 1]]
                    parents.extend([[dealer], {'parent': parent.id}])
            if parents:
                Dealer.write(*parents)
            by_state = {}
            for i, dealer in zip(todo, dealers):
                by_state.setdefault(DEALERS[i][2], []).append(dealer)
            Dealer.activate(by_state.get('active', [])
                + by_state.get('suspended', [])
                + by_state.get('terminated', []))
            Dealer.suspend(by_state.get('suspended', []))
            Dealer.terminate(by_state.get('terminated', []))
            for dealer in dealers:
                if dealer.code in TIER_CHANGES:
                    tier, reason = TIER_CHANGES[dealer.code]
                    with Transaction().set_context(
                            _dms_tier_change_reason=reason):
                        Dealer.write([dealer], {'tier': tiers[tier].id})
            bar.update(len(todo))


# Generated data for benchmarks

def generate_dealers(database, admin_id, context, count, lang, reps):
    "Active dealers D00001... over the demo territories and tiers"
    if not count:
        return
    rng = random.Random(SEED)
    pool = Pool(database)
    Dealer = pool.get('dms.dealer')
    Party = pool.get('party.party')
    Tier = pool.get('dms.dealer.tier')
    Territory = pool.get('dms.territory')
    coordinates = city_coordinates()
    today = dt.date.today()
    with transaction(database, admin_id, **context):
        tiers = [t.id for t in Tier.search([])]
        cities = [(t.code, t.id, t.country.id, t.subdivision.id)
            for t in Territory.search([('code', 'in', list(coordinates))])]
    with progress("Generated dealers", count) as bar:
        batch = batch_size()
        for start in range(1, count + 1, batch):
            numbers = range(start, min(start + batch, count + 1))
            draws = [(rng.choice(cities), rng.choice(tiers),
                    rng.choice(reps), rng.randint(1, 999),
                    rng.uniform(-0.15, 0.15), rng.uniform(-0.15, 0.15),
                    rng.randint(30, 3000)) for _ in numbers]
            with transaction(database, admin_id, **context):
                codes = [f'D{n:05d}' for n in numbers]
                existing = {d.code for d in Dealer.search([
                            ('code', 'in', codes)])}
                todo = [(n, c, d) for n, c, d in zip(numbers, codes, draws)
                    if c not in existing]
                parties = Party.create([party_values(
                            lang, dealer_name(lang, city[0], n) + f" {n:05d}",
                            city[0],
                            tr(lang, f"{street} Jiefang Road",
                                f"解放路{street}号"),
                            f'{street:03d}000', city[2], city[3])
                        for n, _, (city, _, _, street, *_) in todo])
                Dealer.create([{
                            'company': context['company'],
                            'party': party.id,
                            'code': code,
                            'state': 'active',
                            'tier': tier,
                            'territory': city[1],
                            'sales_rep': rep,
                            'latitude': Decimal(str(round(
                                        coordinates[city[0]][0] + dlat, 6))),
                            'longitude': Decimal(str(round(
                                        coordinates[city[0]][1] + dlon, 6))),
                            'since_date': today - dt.timedelta(days=days),
                            } for (_, code, (city, tier, rep, _, dlat, dlon,
                                days)), party in zip(todo, parties)])
            bar.update(len(numbers))
