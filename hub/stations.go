package hub

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// Stations travel and are stored as their JSON (app.Station), the format
// of the clients' data files too.
func encodeStation(s *app.Station) ([]byte, error) { return json.Marshal(s) }

// decodeStation reads a station, stored or in a payload.
func decodeStation(data []byte) (app.Station, error) {
	var s app.Station
	if err := app.UnmarshalObject(data, &s); err != nil {
		return app.Station{}, app.Errorf(app.EINVALID, "station: %s", app.ErrorMessage(err))
	}
	return s, nil
}

// allStations returns the stored tree, parents before children.
func allStations(tx *bolt.Tx) ([]app.Station, error) {
	var list []app.Station
	err := bucket(tx, bucketStations).ForEach(func(k, v []byte) error {
		s, err := decodeStation(v)
		if err != nil {
			id, _ := idFromBytes(k)
			return app.Errorf(app.ECORRUPT, "station %s is damaged: %s", id, app.ErrorMessage(err))
		}
		list = append(list, s)
		return nil
	})
	sortStations(list)
	return list, err
}

func sortStations(list []app.Station) {
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Tier != list[j].Tier {
			return list[i].Tier < list[j].Tier
		}
		return list[i].Code < list[j].Code
	})
}

// findStation finds a station by id or by code.
func findStation(tx *bolt.Tx, idOrCode string) (app.Station, error) {
	idOrCode = strings.TrimSpace(idOrCode)
	if id, err := app.ParseID(idOrCode); err == nil {
		raw := bucket(tx, bucketStations).Get(id[:])
		if raw == nil {
			return app.Station{}, app.Errorf(app.ENOTFOUND, "no station %s", id)
		}
		return decodeStation(raw)
	}
	list, err := allStations(tx)
	if err != nil {
		return app.Station{}, err
	}
	for _, s := range list {
		if s.Code == idOrCode {
			return s, nil
		}
	}
	return app.Station{}, app.Errorf(app.ENOTFOUND, "no station has the code %q; import the station tree first (dutyhub station import)", idOrCode)
}

// Stations returns the hub's station tree, parents before children.
func (db *DB) Stations() ([]app.Station, error) {
	var list []app.Station
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		list, err = allStations(tx)
		return err
	})
	return list, err
}

// Directory is the file of `dutyhub station import`: the station tree and,
// optionally, the people the stations' clients already hold (seeded or
// imported there, never sent as creates), so that the hub knows whose they
// are. The hub keeps only each person's id and station.
type Directory struct {
	Stations []app.Station `json:"stations"`
	People   []app.Person  `json:"people,omitempty"`
}

// DecodeStationList reads the stations of a `dutyhub station import` file;
// see DecodeDirectory.
func DecodeStationList(data []byte) ([]app.Station, error) {
	d, err := DecodeDirectory(data)
	return d.Stations, err
}

// DecodeDirectory reads the file of `dutyhub station import`: a JSON list
// of stations in the client's station format (ids may be left out; the hub
// assigns them), or an object {"stations": [...], "people": [...]} with
// people in the client's person format, as `dutyroom station export`
// writes it.
func DecodeDirectory(data []byte) (Directory, error) {
	data = bytes.TrimSpace(data)
	var raws []json.RawMessage
	var people []json.RawMessage
	switch {
	case len(data) > 0 && data[0] == '[':
		if err := json.Unmarshal(data, &raws); err != nil {
			return Directory{}, app.Errorf(app.EINVALID, "the station file is not valid JSON: %v", err)
		}
	case len(data) > 0 && data[0] == '{':
		var obj struct {
			Stations []json.RawMessage `json:"stations"`
			People   []json.RawMessage `json:"people"`
		}
		if err := json.Unmarshal(data, &obj); err != nil {
			return Directory{}, app.Errorf(app.EINVALID, "the station file is not valid JSON: %v", err)
		}
		raws, people = obj.Stations, obj.People
		if len(raws) == 0 && len(people) == 0 {
			return Directory{}, app.Errorf(app.EINVALID, "the station file names no stations and no people")
		}
	default:
		return Directory{}, app.Errorf(app.EINVALID, "a station file is a JSON list of stations, [ {...}, ... ], or {\"stations\": [...], \"people\": [...]}")
	}
	d := Directory{Stations: make([]app.Station, 0, len(raws))}
	for i, raw := range raws {
		s, err := decodeStation(raw)
		if err != nil {
			return Directory{}, app.Errorf(app.EINVALID, "station %d of the file: %s", i+1, app.ErrorMessage(err))
		}
		d.Stations = append(d.Stations, s)
	}
	for i, raw := range people {
		var p app.Person
		if err := app.UnmarshalObject(raw, &p); err != nil {
			return Directory{}, app.Errorf(app.EINVALID, "person %d of the file: %s", i+1, app.ErrorMessage(err))
		}
		if p.ID == app.NilID || p.Station == app.NilID {
			return Directory{}, app.Errorf(app.EINVALID, "person %d of the file (%s) needs an id and a station", i+1, p.Name)
		}
		d.People = append(d.People, p)
	}
	return d, nil
}

// ImportDirectory imports a station file: its stations as ImportStations
// (none is fine when the tree is already in), then the owners of its
// people, all in one transaction. Only while no Server runs on db.
// EINVALID, ECONFLICT as ImportStations; EINVALID for a person of a station
// the tree does not hold.
func (db *DB) ImportDirectory(d Directory) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		st, err := newTxState(tx, TreeRouter{}, db.Now().UTC())
		if err != nil {
			return err
		}
		return importDirectory(tx, st, d)
	})
}

func importDirectory(tx *bolt.Tx, st *txState, d Directory) error {
	if len(d.Stations) == 0 && len(d.People) == 0 {
		return app.Errorf(app.EINVALID, "the station file holds no stations and no people")
	}
	// People are checked before anything is written, so that a refusal
	// leaves nothing behind (importStations checks its own part first).
	inFile := make(map[app.ID]bool, len(d.Stations))
	for _, s := range d.Stations {
		inFile[s.ID] = s.ID != app.NilID
	}
	for i, p := range d.People {
		if st.tree.Station(p.Station) == nil && !inFile[p.Station] {
			return app.Errorf(app.EINVALID, "person %d of the file (%s) belongs to station %s, which is neither in the file nor in the hub's tree", i+1, p.Name, p.Station)
		}
	}
	if len(d.Stations) > 0 {
		if err := importStations(tx, st, d.Stations); err != nil {
			return err
		}
	}
	return learnPeople(tx, st, d.People)
}

// ImportStations adds stations to the hub's tree, all or nothing, and logs
// a station.create for each so clients learn them. Only while no Server
// runs on db (the command line): a running server's writer keeps the log's
// head in memory, so imports then go through Server.ImportStations.
// EINVALID, ECONFLICT for an id or code already stored.
func (db *DB) ImportStations(list []app.Station) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		st, err := newTxState(tx, TreeRouter{}, db.Now().UTC())
		if err != nil {
			return err
		}
		return importStations(tx, st, list)
	})
}

// importStations checks the batch with the stored tree and logs it,
// parents first, so that whoever applies the log in order never meets an
// orphan.
func importStations(tx *bolt.Tx, st *txState, list []app.Station) error {
	if len(list) == 0 {
		return app.Errorf(app.EINVALID, "the station list is empty")
	}
	stored, err := allStations(tx)
	if err != nil {
		return err
	}
	batch := make([]app.Station, len(list))
	copy(batch, list)
	storedIDs := make(map[app.ID]bool, len(stored))
	storedCodes := make(map[string]string, len(stored))
	for _, s := range stored {
		storedIDs[s.ID] = true
		storedCodes[s.Code] = s.Name
	}
	for i := range batch {
		s := &batch[i]
		if s.ID == app.NilID {
			s.ID = app.NewID()
		}
		if storedIDs[s.ID] {
			return app.Errorf(app.ECONFLICT, "station %s %s: id %s is already in the hub's tree", s.Code, s.Name, s.ID)
		}
		if name, taken := storedCodes[strings.TrimSpace(s.Code)]; taken {
			return app.Errorf(app.ECONFLICT, "station code %s is already used by %s", strings.TrimSpace(s.Code), name)
		}
	}
	whole := append(stored, batch...)
	if err := app.ValidateTree(whole); err != nil {
		return err
	}
	copy(batch, whole[len(stored):])
	sortStations(batch)
	payloads := make([][]byte, len(batch))
	for i := range batch {
		s := &batch[i]
		s.CreatedAt, s.UpdatedAt = st.now, st.now
		if payloads[i], err = encodeStation(s); err != nil {
			return err
		}
		if err := bucket(tx, bucketStations).Put(s.ID[:], payloads[i]); err != nil {
			return err
		}
	}
	if err := st.reloadTree(tx); err != nil {
		return err
	}
	for i := range batch {
		seq, err := nextSeq(tx, app.NilID)
		if err != nil {
			return err
		}
		op := app.Operation{
			ID: app.NewID(), Origin: app.NilID, Seq: seq, Author: "dutyhub", At: st.now,
			Kind: app.OpStationCreate, Entity: batch[i].ID, Payload: payloads[i],
		}
		audiences, err := st.router.Route(st.tree, &op, app.NilID)
		if err != nil {
			return err
		}
		if err := st.append(tx, &op, audiences); err != nil {
			return err
		}
	}
	return nil
}

// nextSeq takes the next seq of an origin; the hub's own operations count
// under the nil origin.
func nextSeq(tx *bolt.Tx, origin app.ID) (uint64, error) {
	origins := bucket(tx, bucketOrigins)
	last, _ := u64Value(origins.Get(origin[:]))
	return last + 1, origins.Put(origin[:], u64Key(last+1))
}
