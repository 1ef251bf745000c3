package message

import (
	"slices"

	"dutyroom/app"
)

// Address is who a message goes to: the addressees and the copies.
type Address struct {
	To []app.ID
	CC []app.ID
}

// ToStation addresses one station above or below from.
func ToStation(tree *app.Tree, from, to app.ID) (Address, error) {
	if err := MayAddress(tree, from, to); err != nil {
		return Address{}, err
	}
	return Address{To: []app.ID{to}}, nil
}

// ToSubordinates addresses every station directly below from: a county's
// townships, a township's villages.
func ToSubordinates(tree *app.Tree, from app.ID) (Address, error) {
	f := tree.Station(from)
	if f == nil {
		return Address{}, app.FieldErrorf("from", "station %s is not in the station tree", from)
	}
	var to []app.ID
	for _, c := range tree.Children(from) {
		to = append(to, c.ID)
	}
	switch {
	case len(to) == 0:
		return Address{}, app.FieldErrorf("to", "%s has no stations below it", f.Name)
	case len(to) > MaxRecipients:
		return Address{}, app.FieldErrorf("to", "%s has %d stations below it; a message reaches at most %d, so send it in parts", f.Name, len(to), MaxRecipients)
	}
	return Address{To: to}, nil
}

// DirectReport addresses a direct report (越级直报) from a station to one
// above it, copying every level in between, nearest first: a township
// reporting to the prefecture copies its county.
func DirectReport(tree *app.Tree, from, to app.ID) (Address, error) {
	if tree.Station(from) == nil {
		return Address{}, app.FieldErrorf("from", "station %s is not in the station tree", from)
	}
	skipped, err := skippedLevels(tree, from, to)
	if err != nil {
		return Address{}, err
	}
	return Address{To: []app.ID{to}, CC: skipped}, nil
}

// Reply addresses an answer from self to m: to its sender, with a copy to
// the other participants self may write to. Siblings who shared a notice
// are left out, as they would be from any message (see MayAddress). A
// sender replying to its own message writes to the same stations again.
func Reply(tree *app.Tree, self app.ID, m *Message) (Address, error) {
	if self == m.From {
		return Address{To: slices.Clone(m.To), CC: slices.Clone(m.CC)}, nil
	}
	if err := MayAddress(tree, self, m.From); err != nil {
		return Address{}, err
	}
	a := Address{To: []app.ID{m.From}}
	for _, id := range m.Recipients() {
		if id != self && MayAddress(tree, self, id) == nil {
			a.CC = append(a.CC, id)
		}
	}
	return a, nil
}
