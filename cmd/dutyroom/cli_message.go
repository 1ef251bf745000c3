package main

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/message"
	"dutyroom/store"
)

// messageFlags maps the message fields to this command line's flags.
var messageFlags = map[string]string{
	"to":          "--to",
	"cc":          "--to",
	"subject":     "--subject",
	"text":        "--text",
	"ack_by":      "--ack-by",
	"attachments": "--file",
	"by":          "--by",
}

func (m *Main) runMessage(ctx context.Context, args []string) error {
	if m.groupHelp("message", args) {
		return nil
	}
	if len(args) == 0 {
		return errUsage{"message needs a subcommand: send, list or show"}
	}
	env, err := m.cliEnv(ctx)
	if err != nil {
		return err
	}
	svc := store.NewMessages(env.db)
	var run func(context.Context, *cliEnv, *store.Messages, []string) error
	switch args[0] {
	case "send":
		run = m.messageSend
	case "list":
		run = m.messageList
	case "show":
		run = m.messageShow
	default:
		return errUsage{fmt.Sprintf("unknown message subcommand %q (want send, list or show)", args[0])}
	}
	return withFlags(run(ctx, env, svc, args[1:]), messageFlags)
}

func (m *Main) runNotice(ctx context.Context, args []string) error {
	if m.groupHelp("notice", args) {
		return nil
	}
	if len(args) == 0 {
		return errUsage{"notice needs a subcommand: send, list or ack"}
	}
	env, err := m.cliEnv(ctx)
	if err != nil {
		return err
	}
	svc := store.NewMessages(env.db)
	var run func(context.Context, *cliEnv, *store.Messages, []string) error
	switch args[0] {
	case "send":
		run = m.noticeSend
	case "list":
		run = m.noticeList
	case "ack":
		run = m.noticeAck
	default:
		return errUsage{fmt.Sprintf("unknown notice subcommand %q (want send, list or ack)", args[0])}
	}
	return withFlags(run(ctx, env, svc, args[1:]), messageFlags)
}

// messageOut is a message as scripts read it: stations by code.
type messageOut struct {
	ID          string          `json:"id"`
	Kind        string          `json:"kind"`
	Direction   string          `json:"direction"` // sent or received, from this station's side
	From        string          `json:"from"`
	To          []string        `json:"to"`
	CC          []string        `json:"cc,omitempty"`
	Subject     string          `json:"subject,omitempty"`
	Text        string          `json:"text"`
	Author      string          `json:"author,omitempty"`
	SentAt      time.Time       `json:"sent_at"`
	AckBy       *time.Time      `json:"ack_by,omitempty"`
	Read        bool            `json:"read"`               // received: read here; sent: read by every recipient
	Acked       bool            `json:"acked"`              // notices: received and acknowledged here; sent: by every addressee
	Attachments []attachmentOut `json:"attachments"`        //
	Receipts    []receiptOut    `json:"receipts,omitempty"` // show, and lists of sent messages
}

type attachmentOut struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

type receiptOut struct {
	Station   string     `json:"station"`
	Delivered *time.Time `json:"delivered,omitempty"`
	Read      *time.Time `json:"read,omitempty"`
	Acked     *time.Time `json:"acked,omitempty"`
	By        string     `json:"by,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// messageOf builds the output of one message with its receipts.
func messageOf(ctx context.Context, env *cliEnv, svc *store.Messages, self app.ID, msg *message.Message) (messageOut, error) {
	o := messageOut{
		ID: msg.ID.String(), Kind: string(msg.Kind), From: env.code(msg.From), To: env.codes(msg.To),
		Subject: msg.Subject, Text: msg.Text, Author: msg.Author, SentAt: msg.SentAt, AckBy: msg.AckBy,
		Attachments: []attachmentOut{}, Direction: "received",
	}
	if len(msg.CC) > 0 {
		o.CC = env.codes(msg.CC)
	}
	for _, a := range msg.Attachments {
		o.Attachments = append(o.Attachments, attachmentOut{Name: a.Name, Size: a.Size, SHA256: a.SHA256})
	}
	receipts, err := svc.Receipts(ctx, msg.ID)
	if err != nil {
		return o, err
	}
	sent := msg.From == self
	if sent {
		o.Direction = "sent"
		o.Read, o.Acked = true, msg.Kind == message.KindNotice
	}
	for _, r := range receipts {
		if sent {
			o.Receipts = append(o.Receipts, receiptOut{Station: env.code(r.Station), Delivered: timePtr(r.Delivered),
				Read: timePtr(r.Read), Acked: timePtr(r.Acked), By: r.By})
			o.Read = o.Read && !r.Read.IsZero()
			if slices.Contains(msg.To, r.Station) {
				o.Acked = o.Acked && !r.Acked.IsZero()
			}
		} else if r.Station == self {
			o.Read, o.Acked = !r.Read.IsZero(), !r.Acked.IsZero()
		}
	}
	return o, nil
}

// openFiles opens the files given with --file; closeAll closes them once
// the store has read them.
func openFiles(paths []string) (files []message.File, closeAll func(), err error) {
	var open []*os.File
	closeAll = func() {
		for _, f := range open {
			f.Close()
		}
	}
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			closeAll()
			return nil, nil, app.FieldErrorf("attachments", "cannot read %s: %v", path, errors.Unwrap(err))
		}
		open = append(open, f)
		info, err := f.Stat()
		if err != nil || !info.Mode().IsRegular() {
			closeAll()
			return nil, nil, app.FieldErrorf("attachments", "%s is not a file", path)
		}
		files = append(files, message.File{Name: filepath.Base(path), MIME: mime.TypeByExtension(filepath.Ext(path)),
			Size: info.Size(), Content: f})
	}
	return files, closeAll, nil
}

// send is message send and notice send: the same message, two kinds.
func (m *Main) send(ctx context.Context, env *cliEnv, svc *store.Messages, kind message.Kind, args []string) error {
	name := "message send"
	if kind == message.KindNotice {
		name = "notice send"
	}
	fs := m.flags(name)
	to := fs.String("to", "", "recipient stations, by code or name, separated by commas")
	subject := fs.String("subject", "", "one-line subject")
	text := fs.String("text", "", "the message")
	asJSON := fs.Bool("json", false, "print the message as JSON")
	var files stringList
	fs.Var(&files, "file", "file to attach (repeat for more)")
	var up *bool
	var ackBy *string
	if kind == message.KindNotice {
		ackBy = fs.String("ack-by", "", "acknowledge by this time (YYYY-MM-DD HH:MM, local time)")
	} else {
		up = fs.Bool("up", false, "a direct report (信息直报) to one station above, copied to every level skipped; without --to, to the station directly above")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	self, err := env.self(ctx)
	if err != nil {
		return err
	}
	msg := &message.Message{Kind: kind, Subject: *subject, Text: *text}
	if up != nil && *up {
		msg.Kind = message.KindDirectReport
		if strings.TrimSpace(*to) == "" {
			if self.Parent == app.NilID {
				return app.FieldErrorf("to", "%s has no station above it to report to", self.Name)
			}
			*to = env.code(self.Parent)
		}
	}
	if msg.To, err = env.stations("to", *to); err != nil {
		return err
	}
	if ackBy != nil {
		t, err := optTime("ack_by", *ackBy, self.Location())
		if err != nil {
			return err
		}
		if !t.IsZero() {
			msg.AckBy = &t
		}
	}
	opened, closeFiles, err := openFiles(files)
	if err != nil {
		return err
	}
	defer closeFiles()
	if err := svc.Send(ctx, msg, opened); err != nil {
		return err
	}
	saved, err := svc.FindMessage(ctx, msg.ID)
	if err != nil {
		return err
	}
	m.noteQueued(fmt.Sprintf("%s %s", saved.Kind, saved.ID))
	if *asJSON {
		o, err := messageOf(ctx, env, svc, self.ID, saved)
		if err != nil {
			return err
		}
		return m.printJSON(o)
	}
	fmt.Fprintf(m.Stdout, "sent %s %s to %s", saved.Kind, saved.ID, env.names(saved.To))
	if len(saved.CC) > 0 {
		fmt.Fprintf(m.Stdout, ", copied to %s", env.names(saved.CC))
	}
	fmt.Fprintln(m.Stdout)
	return nil
}

func (m *Main) messageSend(ctx context.Context, env *cliEnv, svc *store.Messages, args []string) error {
	return m.send(ctx, env, svc, message.KindMessage, args)
}

func (m *Main) noticeSend(ctx context.Context, env *cliEnv, svc *store.Messages, args []string) error {
	return m.send(ctx, env, svc, message.KindNotice, args)
}

// collect returns up to limit messages of the kinds this station sent or
// received, newest first: every conversation it takes part in.
func collect(ctx context.Context, svc *store.Messages, self app.ID, kinds []message.Kind, unread bool, limit int) ([]message.Message, error) {
	var out []message.Message
	if unread {
		// Unread is indexed; it gives them all, newest first.
		list, _, err := svc.Unread(ctx, 1<<20)
		if err != nil {
			return nil, err
		}
		out = list
	} else {
		convs, err := svc.Conversations(ctx, self)
		if err != nil {
			return nil, err
		}
		for _, c := range convs {
			n := limit
			if n == 0 || n > c.Count {
				n = max(c.Count, 1)
			}
			list, err := svc.Messages(ctx, c.ID, app.NilID, n)
			if err != nil {
				return nil, err
			}
			out = append(out, list...)
		}
	}
	out = slices.DeleteFunc(out, func(msg message.Message) bool { return !slices.Contains(kinds, msg.Kind) })
	slices.SortStableFunc(out, func(a, b message.Message) int { return b.SentAt.Compare(a.SentAt) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (m *Main) list(ctx context.Context, env *cliEnv, svc *store.Messages, name string, kinds []message.Kind, args []string) error {
	fs := m.flags(name)
	unread := fs.Bool("unread", false, "only those to this station not read yet")
	limit := fs.Int("limit", 100, "at most this many, newest first (0: all)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *limit < 0 {
		return app.FieldErrorf("limit", "--limit must not be negative, not %d", *limit)
	}
	self, err := env.self(ctx)
	if err != nil {
		return err
	}
	msgs, err := collect(ctx, svc, self.ID, kinds, *unread, *limit)
	if err != nil {
		return err
	}
	outs := make([]messageOut, 0, len(msgs))
	for i := range msgs {
		o, err := messageOf(ctx, env, svc, self.ID, &msgs[i])
		if err != nil {
			return err
		}
		outs = append(outs, o)
	}
	if *asJSON {
		return m.printJSON(outs)
	}
	loc := self.Location()
	tw := newTable(m.Stdout)
	fmt.Fprintln(tw, "ID\tSENT\tKIND\tFROM\tTO\tSTATE\tSUBJECT")
	for i, o := range outs {
		state := ""
		switch {
		case o.Direction == "received" && o.Kind == string(message.KindNotice) && !o.Acked:
			state = "TO ACKNOWLEDGE"
		case o.Direction == "received" && !o.Read:
			state = "UNREAD"
		case o.Direction == "sent" && o.Kind == string(message.KindNotice):
			acked := 0
			for _, r := range o.Receipts {
				if r.Acked != nil {
					acked++
				}
			}
			state = fmt.Sprintf("%d/%d acknowledged", acked, len(msgs[i].To))
		case o.Direction == "sent":
			state = "sent"
		default:
			state = "read"
		}
		subject := o.Subject
		if subject == "" {
			subject = firstLine(o.Text, 30)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, at(o.SentAt, loc), o.Kind, stationName(env.tree, msgs[i].From),
			env.names(msgs[i].To), state, subject)
	}
	return tw.Flush()
}

// firstLine is the start of a text for a one-line listing.
func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func (m *Main) messageList(ctx context.Context, env *cliEnv, svc *store.Messages, args []string) error {
	return m.list(ctx, env, svc, "message list", []message.Kind{message.KindMessage, message.KindDirectReport}, args)
}

func (m *Main) noticeList(ctx context.Context, env *cliEnv, svc *store.Messages, args []string) error {
	return m.list(ctx, env, svc, "notice list", []message.Kind{message.KindNotice}, args)
}

// messageShow prints one message with its receipts. Like opening it in the
// window, showing a message addressed to this station marks it read and
// tells the sender.
func (m *Main) messageShow(ctx context.Context, env *cliEnv, svc *store.Messages, args []string) error {
	fs := m.flags("message show")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := idArg(fs, args, "message", "message list")
	if err != nil {
		return err
	}
	self, err := env.self(ctx)
	if err != nil {
		return err
	}
	msg, err := svc.FindMessage(ctx, id)
	if err != nil {
		return err
	}
	if msg.IsRecipient(self.ID) {
		if err := svc.MarkRead(ctx, id); err != nil {
			return err
		}
	}
	o, err := messageOf(ctx, env, svc, self.ID, msg)
	if err != nil {
		return err
	}
	if *asJSON {
		return m.printJSON(o)
	}
	loc := self.Location()
	w := m.Stdout
	fmt.Fprintf(w, "%s  %s  %s\n", o.ID, o.Kind, o.Subject)
	fmt.Fprintf(w, "from      %s (%s), %s\n", stationName(env.tree, msg.From), msg.Author, at(msg.SentAt, loc))
	fmt.Fprintf(w, "to        %s\n", env.names(msg.To))
	if len(msg.CC) > 0 {
		fmt.Fprintf(w, "copy      %s\n", env.names(msg.CC))
	}
	if msg.AckBy != nil {
		fmt.Fprintf(w, "ack by    %s\n", at(*msg.AckBy, loc))
	}
	fmt.Fprintf(w, "\n%s\n", msg.Text)
	for _, a := range msg.Attachments {
		fmt.Fprintf(w, "attached  %s (%d bytes, sha256 %s)\n", a.Name, a.Size, a.SHA256)
	}
	if o.Direction == "sent" {
		fmt.Fprintln(w, "\nreceipts")
		tw := newTable(w)
		for _, r := range o.Receipts {
			state := "queued or on the way"
			switch {
			case r.Acked != nil:
				state = "acknowledged " + at(*r.Acked, loc) + " by " + r.By
			case r.Read != nil:
				state = "read " + at(*r.Read, loc)
			case r.Delivered != nil:
				state = "delivered " + at(*r.Delivered, loc)
			}
			fmt.Fprintf(tw, "  %s\t%s\n", r.Station, state)
		}
		return tw.Flush()
	}
	return nil
}

// noticeAck acknowledges a notice for this station, in the name of --by
// or, by default, of the person the command runs as.
func (m *Main) noticeAck(ctx context.Context, env *cliEnv, svc *store.Messages, args []string) error {
	fs := m.flags("notice ack")
	by := fs.String("by", "", "who acknowledges (default: the person the command runs as)")
	id, err := idArg(fs, args, "notice", "notice list")
	if err != nil {
		return err
	}
	name := *by
	if strings.TrimSpace(name) == "" {
		name = app.AuthorFrom(ctx)
	}
	if err := svc.Acknowledge(ctx, id, name); err != nil {
		return err
	}
	m.noteQueued("the acknowledgement")
	fmt.Fprintf(m.Stdout, "acknowledged %s by %s\n", id, strings.TrimSpace(name))
	return nil
}
