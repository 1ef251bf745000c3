package sms

import (
	"context"
	"encoding/binary"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Sending in parallel: a red warning to a whole prefecture is a few
// hundred messages, and one HTTP request to smsbox at a time leaves the
// gateway idle while each answer comes back. Config.Workers workers each
// take the next due message no other worker holds, hand it to the
// gateway with a request of their own, and commit its new state to the
// file before taking the next, so a hub that stops between two sends
// never sends a recorded message twice: at most the Workers messages in
// hand are sent again (the gateway had them, the file does not say so).

// sendDue sends every message due now with the queue's workers and
// returns when the next is due (zero: none queued).
func (q *Queue) sendDue(ctx context.Context) time.Time {
	if q.gw == nil {
		return time.Time{}
	}
	var wg sync.WaitGroup
	for range q.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				m, err := q.claim(q.cfg.Now())
				if err != nil {
					q.log.Error("sms queue unreadable", "err", err)
					return
				}
				if m == nil {
					return
				}
				q.sendOne(ctx, m)
				q.release(m.ID)
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return time.Time{}
	}
	next, err := q.nextDue()
	if err != nil {
		q.log.Error("sms queue unreadable", "err", err)
		return q.cfg.Now().Add(q.cfg.RetryBase)
	}
	return next
}

// claim returns the first message due at now that no worker holds, and
// holds it; nil when there is none.
func (q *Queue) claim(now time.Time) (*Message, error) {
	q.claimMu.Lock()
	defer q.claimMu.Unlock()
	var m *Message
	err := q.db.View(func(tx *bolt.Tx) error {
		c := bk(tx, bucketDue).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) < 8 {
				continue
			}
			if time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).After(now) {
				return nil
			}
			id := string(k[8:])
			if _, held := q.inflight[id]; held {
				continue
			}
			var err error
			if m, err = getMsg(tx, id); err != nil || m != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || m == nil {
		return nil, err
	}
	q.inflight[m.ID] = struct{}{}
	return m, nil
}

func (q *Queue) release(id string) {
	q.claimMu.Lock()
	delete(q.inflight, id)
	q.claimMu.Unlock()
}

// nextDue is when the first queued message is due; zero when none is.
func (q *Queue) nextDue() (time.Time, error) {
	var next time.Time
	err := q.db.View(func(tx *bolt.Tx) error {
		k, _ := bk(tx, bucketDue).Cursor().First()
		if len(k) >= 8 {
			next = time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
		}
		return nil
	})
	return next, err
}
