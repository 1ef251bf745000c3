package main

import (
	"context"
	"fmt"
	"time"

	"dutyroom/app/smsstatus"
	"dutyroom/app/wire"
)

// smsOut is one SMS as dutyroom sms list --json prints it: stations by
// code, the number masked as the hub gives it, times in RFC 3339.
type smsOut struct {
	Event       string     `json:"event"`
	Kind        string     `json:"kind"`
	Station     string     `json:"station"`
	Person      string     `json:"person,omitempty"`
	Number      string     `json:"number"`
	State       string     `json:"state"`
	Reason      string     `json:"reason,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
	Reply       string     `json:"reply,omitempty"`
}

// runSMS is dutyroom sms list: the SMS the hub sent about this station's
// records and those of the stations below it, asked of the hub now (the
// states and the numbers live there alone).
func (m *Main) runSMS(ctx context.Context, args []string) error {
	if m.groupHelp("sms", args) {
		return nil
	}
	if len(args) == 0 || args[0] != "list" {
		return errUsage{"sms needs a subcommand: list"}
	}
	fs := m.flags("sms list")
	asJSON := fs.Bool("json", false, "print JSON")
	var events stringList
	fs.Var(&events, "event", "an event: warning:ID, incident:ID, notice:ID (repeatable); default: the newest of this station's line")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the hub")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage{fmt.Sprintf("sms list takes no arguments (got %q); name events with --event", fs.Args())}
	}
	db, err := m.openForHub()
	if err != nil {
		return err
	}
	env, err := m.cliEnv(ctx)
	if err != nil {
		return err
	}
	c, err := m.hubClient(db, m.quietLog())
	if err != nil {
		return err
	}
	defer c.Close()
	if err := m.online(c, *timeout, "the SMS states are kept at the hub"); err != nil {
		return err
	}
	states, err := smsstatus.New(c).States(ctx, events...)
	if err != nil {
		return err
	}
	out := make([]smsOut, len(states.Messages))
	for i, sm := range states.Messages {
		out[i] = smsOut{Event: sm.Event, Kind: sm.Kind, Station: env.code(sm.Station), Person: sm.Person, Number: sm.Number,
			State: sm.State, Reason: sm.Reason, CreatedAt: sm.CreatedAt, SentAt: timePtr(sm.SentAt),
			DeliveredAt: timePtr(sm.DeliveredAt), AnsweredAt: timePtr(sm.AnsweredAt), Reply: sm.Reply}
	}
	if *asJSON {
		return m.printJSON(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(m.Stdout, "no SMS")
		return nil
	}
	loc := time.Local
	if me, err := env.ident.Identity(ctx); err == nil {
		loc = me.Location()
	}
	tw := newTable(m.Stdout)
	fmt.Fprintln(tw, "EVENT\tSTATION\tPERSON\tNUMBER\tSTATE\tAT\tNOTE")
	for _, sm := range states.Messages {
		at, note := smsLast(&sm)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sm.Event, stationName(env.tree, sm.Station), orDashCLI(sm.Person),
			sm.Number, sm.State, at.In(loc).Format("01-02 15:04"), note)
	}
	if states.Truncated {
		fmt.Fprintf(tw, "…\t(the oldest left out: at most %d)\n", wire.MaxSMSStates)
	}
	return tw.Flush()
}

// smsLast is a message's latest time and what to note beside its state.
func smsLast(m *wire.SMSState) (time.Time, string) {
	switch {
	case !m.AnsweredAt.IsZero():
		return m.AnsweredAt, "reply: " + m.Reply
	case !m.DeliveredAt.IsZero():
		return m.DeliveredAt, ""
	case m.State == "failed":
		return m.CreatedAt, m.Reason
	case !m.SentAt.IsZero():
		return m.SentAt, ""
	}
	return m.CreatedAt, ""
}

func orDashCLI(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func init() {
	groupUsage["sms"] = `usage:
  sms list [--event warning:ID|incident:ID|notice:ID]... [--json] [--timeout 30s]
                                the SMS the hub sent about this station's records and those of
                                the stations below it, asked of the hub now; numbers masked
`
}
