package sms

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseKannelInbound(f *testing.F) {
	f.Add("from=13800000001&to=10086&coding=2&text=e6R0%001%002%003%004")
	f.Add("from=%2B8613800000001&coding=0&text=1234")
	f.Add("from=&text=x")
	f.Add("from=1&coding=2&text=%00")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		in, err := ParseKannelInbound(q)
		if err != nil {
			return
		}
		if in.From == "" || !utf8.ValidString(in.Text) || utf8.RuneCountInString(in.Text) > MaxInboundText {
			t.Fatalf("accepted %+v", in)
		}
	})
}

func FuzzParseKannelDLR(f *testing.F) {
	f.Add("id=abc&type=1&answer=")
	f.Add("id=abc&type=16&answer=NACK%2F0x0000000b")
	f.Add("type=2")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		r, ok, err := ParseKannelDLR(q)
		if err != nil || !ok {
			return
		}
		if r.ID == "" || (r.State != Delivered && r.State != Failed) || (r.State == Failed && r.Reason == "") {
			t.Fatalf("accepted %+v", r)
		}
	})
}

func FuzzParseGammuNames(f *testing.F) {
	f.Add("IN20261207_172001_00_+8613800000001_00.txt")
	f.Add("OUTA20261207_171500_00_13800000000_5f3a.txt")
	f.Add("IN_____.txt")
	f.Fuzz(func(t *testing.T, name string) {
		if from, at, ok := ParseInboxName(name); ok && (from == "" || at.IsZero()) {
			t.Fatalf("inbox name %q read as %q %v", name, from, at)
		}
		if _, id, ok := ParseOutboxName(name); ok && (id == "" || strings.Contains(id, "_")) {
			t.Fatalf("outbox name %q read as id %q", name, id)
		}
	})
}

func FuzzDecodeGammuText(f *testing.F) {
	f.Add([]byte{0xFF, 0xFE, 0x36, 0x65})
	f.Add([]byte{0xFE, 0xFF, 0x65, 0x36, 0xD8})
	f.Add([]byte("收到 1234"))
	f.Add([]byte{0xC3})
	f.Fuzz(func(t *testing.T, data []byte) {
		text, err := DecodeGammuText(data)
		if err == nil && !utf8.ValidString(text) {
			t.Fatalf("decoded %x to invalid UTF-8", data)
		}
	})
}
