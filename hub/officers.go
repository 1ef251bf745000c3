package hub

import (
	"bytes"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// Village information officers' accounts (灾害信息员). An officer has no
// DutyRoom client: their account (Account.Person set, Station = their
// village) signs in at the phone page (/report) only. A township or county
// sets it up from its client (officer.account), or the hub's administrator
// on the command line (dutyhub officer add).
//
// The hub must know the person, as an information officer of a village:
// from a person.create or person.update in the log, or from a station
// file's people (learnPeople keeps those of the role in officer_people,
// since the hub keeps only the owner of the others).
//
//	hub1/officer_people: <person id> → JSON {"name","station","roles"}
var bucketOfficerPeople = []byte("officer_people")

// officerPerson is what the hub needs of an officer: who and where.
type officerPerson struct {
	ID      app.ID     `json:"id"`
	Name    string     `json:"name"`
	Station app.ID     `json:"station"`
	Roles   []app.Role `json:"roles,omitempty"`
	Deleted bool       `json:"-"`
}

func (p *officerPerson) has(r app.Role) bool {
	for _, x := range p.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// rememberOfficerPerson keeps a station file's information officer, whose
// role the hub would otherwise not know.
func rememberOfficerPerson(tx *bolt.Tx, p *app.Person) error {
	if !p.Has(app.RoleInfoOfficer) {
		return nil
	}
	root := tx.Bucket(bucketRoot)
	if root == nil {
		return app.Errorf(app.ECORRUPT, "the hub's database has no root bucket")
	}
	b, err := root.CreateBucketIfNotExists(bucketOfficerPeople)
	if err != nil {
		return err
	}
	buf, err := json.Marshal(officerPerson{ID: p.ID, Name: p.Name, Station: p.Station, Roles: p.Roles})
	if err != nil {
		return err
	}
	return b.Put(p.ID[:], buf)
}

// findPerson returns the newest the hub knows of a person: the latest
// person operation in the log for it, else a station file's entry. Reading
// the log backwards costs a scan of it at worst, which an account being
// set up (a rare, deliberate act) can afford; the stored bytes are matched
// before anything is decoded. ENOTFOUND when the hub knows no such person
// or it was deleted.
func findPerson(tx *bolt.Tx, person app.ID) (officerPerson, error) {
	return findPersonWith(tx, person, nil)
}

// personLookup answers from what a running server has seen of the log's
// person operations: known (and the person, or Deleted), or not seen.
type personLookup func(person app.ID) (officerPerson, bool)

// findPersonWith reads the person from seen when it knows them, and reads
// the log only when there is no seen (the command line, the server not
// running): a running server has seen every person operation of its log.
func findPersonWith(tx *bolt.Tx, person app.ID, seen personLookup) (officerPerson, error) {
	if seen != nil {
		if p, ok := seen(person); ok {
			if p.Deleted {
				return officerPerson{}, app.Errorf(app.ENOTFOUND, "person %s was deleted", person)
			}
			return p, nil
		}
		return findFiled(tx, person)
	}
	entity := []byte(`"entity":"` + person.String() + `"`)
	kind := []byte(`"kind":"person.`)
	if lb := bucket(tx, bucketLog); lb != nil {
		c := lb.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if !bytes.Contains(v, entity) || !bytes.Contains(v, kind) {
				continue
			}
			var op app.Operation
			if err := json.Unmarshal(v, &op); err != nil || op.Entity != person {
				continue
			}
			switch op.Kind {
			case app.OpPersonDelete:
				return officerPerson{}, app.Errorf(app.ENOTFOUND, "person %s was deleted", person)
			case app.OpPersonCreate, app.OpPersonUpdate:
				var p app.Person
				if err := json.Unmarshal(op.Payload, &p); err != nil {
					continue
				}
				return officerPerson{ID: person, Name: p.Name, Station: p.Station, Roles: p.Roles}, nil
			}
		}
	}
	return findFiled(tx, person)
}

// findFiled reads a person a station file brought.
func findFiled(tx *bolt.Tx, person app.ID) (officerPerson, error) {
	if raw := bucket(tx, bucketOfficerPeople).Get(person[:]); raw != nil {
		var p officerPerson
		if err := json.Unmarshal(raw, &p); err == nil {
			return p, nil
		}
	}
	return officerPerson{}, app.Errorf(app.ENOTFOUND, "the hub knows no person %s: it learns people from their stations' clients or a station file", person)
}

// officerOf checks person is an information officer of a village of the
// tree and returns them with the village.
func officerOf(tx *bolt.Tx, tree *app.Tree, person app.ID, seen personLookup) (officerPerson, *app.Station, error) {
	p, err := findPersonWith(tx, person, seen)
	if err != nil {
		return p, nil, err
	}
	st := tree.Station(p.Station)
	switch {
	case st == nil:
		return p, nil, app.Errorf(app.ENOTFOUND, "%s belongs to station %s, which is not in the hub's tree", p.Name, p.Station)
	case st.Tier != app.TierVillage:
		return p, nil, app.Errorf(app.EFORBIDDEN, "%s belongs to %s, which is not a village: only a village's information officer has a phone account", p.Name, st.Name)
	case !p.has(app.RoleInfoOfficer):
		return p, nil, app.Errorf(app.EFORBIDDEN, "%s of %s is not an information officer (灾害信息员)", p.Name, st.Name)
	}
	return p, st, nil
}

// SetOfficer sets up, changes or disables a village information officer's
// account, for the person. by is the asking station (nil for the hub's
// command line, which may do it for any village): it must be above the
// village. A new account needs a password; an empty one keeps the old.
// Any change ends the officer's page sessions. A login already used by a
// station's account or another person's is ECONFLICT.
func (db *DB) SetOfficer(by app.ID, req wire.OfficerAccount) (wire.OfficerAccountState, error) {
	return db.setOfficer(by, req, nil)
}

func (db *DB) setOfficer(by app.ID, req wire.OfficerAccount, seen personLookup) (wire.OfficerAccountState, error) {
	var state wire.OfficerAccountState
	var hash string
	if req.Password != "" {
		if err := validPassword(req.Password); err != nil {
			return state, err
		}
		h, err := hashPassword(req.Password)
		if err != nil {
			return state, err
		}
		hash = h
	}
	if err := validUserName(req.Login); err != nil {
		return state, app.FieldErrorf("login", "%s", app.ErrorMessage(err))
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		list, err := allStations(tx)
		if err != nil {
			return err
		}
		tree := app.NewTree(list)
		p, village, err := officerOf(tx, tree, req.Person, seen)
		if err != nil {
			return err
		}
		if by != app.NilID && !tree.IsWithin(village.ID, by) || by == village.ID {
			return app.Errorf(app.EFORBIDDEN, "%s is not below the asking station: only the village's township, county or prefecture sets up its officers", village.Name)
		}
		now := db.Now().UTC()
		// The person's account, under whatever login it had.
		var old *Account
		err = bucket(tx, bucketAccounts).ForEach(func(k, v []byte) error {
			var a Account
			if json.Unmarshal(v, &a) == nil && a.Person == req.Person {
				old = &a
			}
			return nil
		})
		if err != nil {
			return err
		}
		if other, err := findAccount(tx, req.Login); err == nil && other.Person != req.Person {
			return app.Errorf(app.ECONFLICT, "the login %s is already used by another account", req.Login)
		}
		a := Account{Name: req.Login, Station: village.ID, Person: p.ID, PersonName: p.Name, CreatedAt: now}
		if old != nil {
			a = *old
			if old.Name != req.Login {
				if err := bucket(tx, bucketAccounts).Delete([]byte(old.Name)); err != nil {
					return err
				}
				if err := revokeOfficerSessions(tx, old.Name); err != nil {
					return err
				}
				a.Name = req.Login
			}
		}
		if hash != "" {
			a.Hash = hash
		}
		if a.Hash == "" && !req.Disabled {
			return app.FieldErrorf("password", "a new officer account needs a password of at least %d characters", MinPasswordLen)
		}
		a.Station, a.PersonName, a.Disabled, a.ChangedAt = village.ID, p.Name, req.Disabled, now
		if err := putAccount(tx, &a); err != nil {
			return err
		}
		if err := revokeOfficerSessions(tx, a.Name); err != nil {
			return err
		}
		state = officerState(&a)
		return nil
	})
	return state, err
}

// DisableOfficer disables the account of login, an officer's, ending its
// sessions at once. ENOTFOUND.
func (db *DB) DisableOfficer(login string) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		a, err := findAccount(tx, login)
		if err != nil {
			return err
		}
		if a.Person == app.NilID {
			return app.Errorf(app.EINVALID, "%s is a station's account, not an officer's: use dutyhub user disable", login)
		}
		a.Disabled, a.ChangedAt = true, db.Now().UTC()
		if err := putAccount(tx, &a); err != nil {
			return err
		}
		return revokeOfficerSessions(tx, login)
	})
}

// Officers lists the officers' accounts of villages within station (every
// village for the nil id), by login.
func (db *DB) Officers(within app.ID) ([]wire.OfficerAccountState, error) {
	var out []wire.OfficerAccountState
	err := db.bolt.View(func(tx *bolt.Tx) error {
		list, err := allStations(tx)
		if err != nil {
			return err
		}
		tree := app.NewTree(list)
		seen := lastSeenAll(tx)
		return bucket(tx, bucketAccounts).ForEach(func(k, v []byte) error {
			var a Account
			if err := json.Unmarshal(v, &a); err != nil || a.Person == app.NilID {
				return nil
			}
			if within != app.NilID && (a.Station == within || !tree.IsWithin(a.Station, within)) {
				return nil
			}
			s := officerState(&a)
			s.LastSeen = seen[a.Name]
			out = append(out, s)
			return nil
		})
	})
	if len(out) > wire.MaxOfficerAccounts {
		out = out[:wire.MaxOfficerAccounts]
	}
	return out, err
}

func officerState(a *Account) wire.OfficerAccountState {
	return wire.OfficerAccountState{Person: a.Person, Station: a.Station, Login: a.Name, Disabled: a.Disabled, ChangedAt: a.ChangedAt}
}

// lastSeenAll reads each officer's newest session use.
func lastSeenAll(tx *bolt.Tx) map[string]time.Time {
	out := map[string]time.Time{}
	b := officerBucket(tx, bucketOfficerSessions)
	if b == nil {
		return out
	}
	_ = b.ForEach(func(k, v []byte) error {
		var s officerSession
		if json.Unmarshal(v, &s) == nil && s.Seen.After(out[s.Login]) {
			out[s.Login] = s.Seen
		}
		return nil
	})
	return out
}

// handleOfficer serves a client's officer.account and officer.accounts.
func (c *conn) handleOfficer(env wire.Envelope) error {
	switch env.Type {
	case wire.TypeOfficerAccount:
		req, err := wire.DecodeOfficerAccount(env)
		if err != nil {
			return err
		}
		if req.Password != "" {
			// A new password is hashed in one of the login's slots: a
			// township setting up its officers must not take the memory
			// argon2 would need for a burst of them.
			if werr := c.s.acquireHash(); werr != nil {
				return werr
			}
			defer func() { <-c.s.hashing }()
		}
		state, err := c.s.db.setOfficer(c.station, req, c.s.reports.person)
		if err != nil {
			code := wire.CodeInvalid
			switch app.ErrorCode(err) {
			case app.EFORBIDDEN:
				code = wire.CodeForbidden
			case app.ENOTFOUND:
				code = wire.CodeForbidden
			case app.ECONFLICT:
				code = wire.CodeConflict
			case app.EINTERNAL, app.ECORRUPT:
				c.s.log.Error("cannot set an officer's account", "station", c.station, "err", err)
				return wire.Errorf(wire.CodeInternal, "the hub cannot store the account")
			}
			return wire.Errorf(code, "officer.account: %s", app.ErrorMessage(err))
		}
		c.s.log.Info("officer account set", "login", state.Login, "person", state.Person, "village", state.Station, "disabled", state.Disabled, "by", c.user, "station", c.station)
		frame, err := wire.Encode(wire.TypeOfficerAccount, env.ID, state)
		if err != nil {
			return err
		}
		c.queue(frame)
		return nil
	default:
		list, err := c.s.db.Officers(c.station)
		if err != nil {
			c.s.log.Error("cannot list officers' accounts", "station", c.station, "err", err)
			return wire.Errorf(wire.CodeInternal, "the hub cannot read the accounts")
		}
		frame, err := wire.Encode(wire.TypeOfficerAccounts, env.ID, wire.OfficerAccounts{Accounts: list})
		if err != nil {
			return err
		}
		c.queue(frame)
		return nil
	}
}
