"""The demo data of dms_portal

An administrator and a buyer portal account for each of the 24 demo
dealers (``d0001.admin@dealers.example.com``..., password ``demo1234``);
the accounts of a terminated dealer are closed, as terminating it does.

Runs after dealer.fill (the dealers)."""
import os
from concurrent.futures import ThreadPoolExecutor

from trytond.pool import Pool

from .common import PORTAL_PASSWORD, portal_email, transaction
from .dealer import DEALERS

ROLES = ['admin', 'buyer']


def fill(demo):
    "The portal accounts of the demo dealers"
    pool = Pool(demo.database)
    Dealer = pool.get('dms.dealer')
    WebUser = pool.get('web.user')
    codes = [f'D{i:04d}' for i in range(1, len(DEALERS) + 1)]
    with transaction(demo.database, demo.admin_id, **demo.context):
        dealers = Dealer.search([('code', 'in', codes)],
            order=[('code', 'ASC')])
        emails = {portal_email(d.code, role): (d, role)
            for d in dealers for role in ROLES}
        existing = {u.email for u in WebUser.search([
                    ('email', 'in', list(emails)),
                    ('active', 'in', [True, False]),
                    ])}
        emails = {e: v for e, v in emails.items() if e not in existing}
        # A hash (and salt) per account, as for real accounts: hashing is
        # slow on purpose, so on every core at once (Argon2 releases the
        # GIL)
        with ThreadPoolExecutor(os.cpu_count() or 1) as executor:
            hashes = list(executor.map(
                    lambda _: WebUser.hash_password(PORTAL_PASSWORD),
                    emails))
        WebUser.create([{
                    'email': address,
                    'email_valid': True,
                    'password_hash': password_hash,
                    'dealer': dealer.id,
                    'dealer_role': role,
                    'party': dealer.party.id,
                    'active': dealer.state != 'terminated',
                    } for (address, (dealer, role)), password_hash in zip(
                    emails.items(), hashes)])


def print_logins(demo):
    pool = Pool(demo.database)
    Dealer = pool.get('dms.dealer')
    with transaction(demo.database, demo.admin_id,
            **dict(demo.context, language=demo.lang)):
        dealers = Dealer.search([('code', 'in', ['D0001', 'D0005'])],
            order=[('code', 'ASC')])
        print(f"\nDemo database {demo.database!r} is ready.")
        print("Back office (web client): admin / admin")
        print(f"Dealer portal, password {PORTAL_PASSWORD}:")
        for dealer in dealers:
            for role in ROLES:
                print(f"  {portal_email(dealer.code, role):<34} {role:<6} "
                    f"{dealer.code} {dealer.tier.name} "
                    f"({dealer.party.name})")
