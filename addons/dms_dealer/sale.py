# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import Index, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", ondelete='RESTRICT',
        domain=[
            ('party', '=', Eval('party', -1)),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="The dealer that placed the order.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.dealer, Index.Range()),
                where=t.dealer != None))  # noqa: E711

    @fields.depends('party', 'dealer')
    def on_change_party(self):
        super().on_change_party()
        self.dealer = self.party.dealer if self.party else None

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        # Fill the dealer of the party with one query for the whole batch
        parties = {
            v['party'] for v in vlist if v.get('party') and 'dealer' not in v}
        if parties:
            dealers = {
                d.party.id: d.id for d in Dealer.search(
                    [('party', 'in', list(parties))])}
            vlist = [
                {**v, 'dealer': dealers.get(v['party'])}
                if v.get('party') in parties and 'dealer' not in v else v
                for v in vlist]
        return super().create(vlist)

    @property
    def dms_portal_path(self):
        return 'orders/%s' % self.id

    @property
    def dms_chat_dealer(self):
        # Carts are the dealer's drafts, not orders the factory talks about
        return self.dealer if self.state != 'draft' else None

    @property
    def dms_chat_resource(self):
        return self

    @property
    def dms_chat_subject(self):
        return self.number or str(self.id)
