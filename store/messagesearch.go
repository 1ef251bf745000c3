package store

import (
	"bytes"
	"context"
	"strings"
	"unicode"

	"dutyroom/app"
	"dutyroom/app/message"
)

// Search reads message_text, one short value per message, newest first,
// and keeps those that contain every word of the query. Measured on
// 100,000 messages of 40 to 300 Chinese characters (BenchmarkMessageSearch,
// two cores): a query that must read the whole bucket takes 42 to 52 ms,
// one whose first page of 50 comes early 0.3 ms. That is fast enough that
// an index (bigrams for Chinese, words for the rest) would cost more in
// file size and write time than it saves, and a scan finds any substring,
// one Chinese character or part of a word, exactly.

// foldText makes text comparable: lower case, and full-width Latin letters
// and digits (ＡＢＣ１２３, common in Chinese input) as their ASCII forms.
func foldText(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '！' && r <= '～' {
			r -= '！' - '!'
		} else if r == '\u3000' {
			r = ' '
		}
		return unicode.ToLower(r)
	}, s)
}

func searchText(m *message.Message) string {
	var b strings.Builder
	b.WriteString(m.Subject)
	b.WriteByte('\n')
	b.WriteString(m.Text)
	for _, a := range m.Attachments {
		b.WriteByte('\n')
		b.WriteString(a.Name)
	}
	return foldText(b.String())
}

// Search implements message.Service.
func (s *Messages) Search(ctx context.Context, query string, limit int) ([]message.Message, error) {
	words := strings.Fields(foldText(query))
	switch {
	case len(words) == 0:
		return nil, app.FieldErrorf("query", "type something to search for")
	case limit < 1:
		return nil, app.Errorf(app.EINVALID, "limit must be at least 1, not %d", limit)
	}
	terms := make([][]byte, len(words))
	for i, w := range words {
		terms[i] = []byte(w)
	}
	var list []message.Message
	err := s.db.view(ctx, func(tx *txn) error {
		text, err := mustBucket(tx.Tx, bucketMessageText)
		if err != nil {
			return err
		}
		c := text.Cursor()
		scanned := 0
	next:
		for k, v := c.Last(); k != nil && len(list) < limit; k, v = c.Prev() {
			// A whole scan takes tens of milliseconds; let a newer query
			// typed meanwhile stop it.
			if scanned++; scanned%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			for _, t := range terms {
				if !bytes.Contains(v, t) {
					continue next
				}
			}
			id, _ := idFromBytes(k)
			m, err := findMessage(tx, id)
			if err != nil {
				return err
			}
			list = append(list, m)
		}
		return nil
	})
	return list, err
}
