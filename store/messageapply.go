package store

import (
	"fmt"

	"dutyroom/app"
	"dutyroom/app/message"
)

// applyMessageOp takes in a message operation from another station. A
// message is stored with the contents it announces expected, and, when it
// is addressed to this duty room, a delivered receipt goes back to the
// sender in the same transaction. A reason is returned for an operation
// that breaks the rules (the hub delivers only what is addressed here, but
// the sending client is another program); err is only for the file.
// The kinds applyOne hands to applyMessageOp.
const (
	opMessageSend    = message.OpSend
	opMessageChunk   = message.OpChunk
	opMessageReceipt = message.OpReceipt
)

func applyMessageOp(tx *txn, op *app.Operation) (string, error) {
	switch op.Kind {
	case message.OpSend:
		return applyMessageSend(tx, op)
	case message.OpChunk:
		var c message.Chunk
		if err := unmarshalRecord(op.Payload, &c); err != nil {
			return "message.chunk: " + app.ErrorMessage(err), nil
		}
		m, err := findMessage(tx, c.Message)
		if app.ErrorCode(err) == app.ENOTFOUND {
			return fmt.Sprintf("message.chunk: message %s is not here", c.Message), nil
		} else if err != nil {
			return "", err
		}
		if m.From != op.Origin {
			return fmt.Sprintf("message.chunk: station %s sent a part of a message of station %s", op.Origin, m.From), nil
		}
		for _, a := range m.Attachments {
			if a.SHA256 == c.SHA256 {
				return applyChunk(tx, op.Kind, &c)
			}
		}
		return fmt.Sprintf("message.chunk: message %s has no attachment %s", m.ID, c.SHA256), nil
	case message.OpReceipt:
		var r message.Receipt
		if err := unmarshalRecord(op.Payload, &r); err != nil {
			return "message.receipt: " + app.ErrorMessage(err), nil
		}
		if err := r.Validate(); err != nil {
			return "message.receipt: " + err.Error(), nil
		}
		if r.Station != op.Origin {
			return fmt.Sprintf("message.receipt: station %s cannot report for station %s", op.Origin, r.Station), nil
		}
		m, err := findMessage(tx, r.Message)
		if app.ErrorCode(err) == app.ENOTFOUND {
			return fmt.Sprintf("message.receipt: message %s is not here", r.Message), nil
		} else if err != nil {
			return "", err
		}
		if !m.IsRecipient(r.Station) {
			return fmt.Sprintf("message.receipt: message %s was not sent to station %s", m.ID, r.Station), nil
		}
		_, err = recordReceipt(tx, &m, r)
		return "", err
	}
	return fmt.Sprintf("%s is not a message operation", op.Kind), nil
}

func applyMessageSend(tx *txn, op *app.Operation) (string, error) {
	var p message.Sent
	if err := unmarshalRecord(op.Payload, &p); err != nil {
		return "message.send: " + app.ErrorMessage(err), nil
	}
	m := p.Message
	switch {
	case m.ID != op.Entity:
		return fmt.Sprintf("message.send: the payload is message %s but the operation names %s", m.ID, op.Entity), nil
	case m.From != op.Origin:
		return fmt.Sprintf("message.send: station %s sent a message from station %s", op.Origin, m.From), nil
	case len(m.Attachments) > 0 && (p.ChunkSize <= 0 || p.ChunkSize > message.MaxChunkSize):
		return fmt.Sprintf("message.send: attachments in parts of %d bytes; parts are 1 to %d bytes", p.ChunkSize, message.MaxChunkSize), nil
	}
	if _, err := findMessage(tx, m.ID); err == nil {
		return "", nil
	} else if app.ErrorCode(err) != app.ENOTFOUND {
		return "", err
	}
	tree, err := lineage(tx, append([]app.ID{m.From}, m.Recipients()...)...)
	if err != nil {
		return "", err
	}
	if err := m.Validate(tree, message.Limits{MaxAttachment: maxIncomingAttachment}); err != nil {
		return "message.send: " + err.Error(), nil
	}
	self, err := identityID(tx.Tx)
	if err != nil {
		return "", err
	}
	if _, err := putMessage(tx, &m, self); err != nil {
		return "", err
	}
	for _, a := range m.Attachments {
		if err := expectBlob(tx, a, p.ChunkSize); err != nil {
			return "", err
		}
	}
	// Before this duty room has chosen its station it cannot tell whether
	// the message is its own to acknowledge; it says nothing.
	if self == app.NilID || !m.IsRecipient(self) {
		return "", nil
	}
	r := message.Receipt{Message: m.ID, Station: self, Delivered: tx.now}
	if changed, err := recordReceipt(tx, &m, r); err != nil || !changed {
		return "", err
	}
	return "", appendReceiptOp(tx, &m, r)
}
