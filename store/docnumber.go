package store

import (
	"context"
	"encoding/binary"

	"dutyroom/app"
)

// Documents numbers the bulletins a station issues (第N期): one series per
// station per year, 1, 2, 3, ... without gaps. Only the station itself
// issues its numbers, so they need no hub and hold offline; the number
// of a record's document is fixed the first time it is asked for, and a
// document made again from the same record carries the same number.
//
// In v1/meta: docseq:<station><year> → the last number given, and
// docnum:<record> → <year><number>, four bytes each.
type Documents struct{ db *DB }

// NewDocuments returns the document numbering of db.
func NewDocuments(db *DB) *Documents { return &Documents{db: db} }

var _ app.DocumentNumbers = (*Documents)(nil)

var (
	docSeqPrefix = []byte("docseq:")
	docNumPrefix = []byte("docnum:")
)

// DocumentNumber returns the number of record's document in station's
// series for year, giving it the next one when it has none. A record that
// already has a number keeps it, whatever year is asked.
func (d *Documents) DocumentNumber(ctx context.Context, station, record app.ID, year int) (int, int, error) {
	if station == app.NilID || record == app.NilID {
		return 0, 0, app.FieldErrorf("record", "a document belongs to a station and a record")
	}
	if year < 2000 || year > 2999 {
		return 0, 0, app.FieldErrorf("year", "the year %d is not a year of this program", year)
	}
	var gotYear, n int
	err := d.db.update(ctx, func(tx *txn) error {
		meta, err := mustBucket(tx.Tx, bucketMeta)
		if err != nil {
			return err
		}
		numKey := append(append([]byte{}, docNumPrefix...), record[:]...)
		if v := meta.Get(numKey); v != nil {
			if len(v) != 8 {
				return app.Errorf(app.ECORRUPT, "the document number of %s in v1/meta is damaged; restore a backup", record)
			}
			gotYear, n = int(binary.BigEndian.Uint32(v[:4])), int(binary.BigEndian.Uint32(v[4:]))
			return nil
		}
		seqKey := append(append(append([]byte{}, docSeqPrefix...), station[:]...), byte(year>>8), byte(year))
		last := uint32(0)
		if v := meta.Get(seqKey); v != nil {
			if len(v) != 4 {
				return app.Errorf(app.ECORRUPT, "the document series of %d in v1/meta is damaged; restore a backup", year)
			}
			last = binary.BigEndian.Uint32(v)
		}
		last++
		if err := meta.Put(seqKey, binary.BigEndian.AppendUint32(nil, last)); err != nil {
			return err
		}
		v := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(year)), last)
		gotYear, n = year, int(last)
		return meta.Put(numKey, v)
	})
	return gotYear, n, err
}
