package ui

import (
	"context"
	"fmt"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/attachment"
	"dutyroom/app/incident"
)

// The 附件 tab of an incident: the files filed with the incident and with
// its reports, each with how much of it has reached this duty room. The
// record arrives first and the contents after it, so a station above may
// see a file still arriving (接收中 n%) or one whose parts did not make the
// file sent (校验失败); only a complete one opens or saves.

// fileRow is one attachment as the tab shows it.
type fileRow struct {
	att    incident.Attachment
	report *incident.Report // nil for the incident's own files
	state  incident.ContentState
	known  bool // the state was read

	// village names the officer of a village report (村报) merged into
	// the incident whose photo this is; "" for the incident's own files.
	village string
}

// loadFiles lists the attachments of the incident and its reports, each
// content once, with their states.
func loadFiles(ctx context.Context, contents incident.Contents, d *viewData) ([]fileRow, error) {
	var rows []fileRow
	seen := map[string]bool{}
	add := func(as []incident.Attachment, r *incident.Report) {
		for _, a := range as {
			if a.SHA256 == "" || seen[a.SHA256] {
				continue
			}
			seen[a.SHA256] = true
			rows = append(rows, fileRow{att: a, report: r})
		}
	}
	add(d.inc.Attachments, nil)
	for i := range d.reports {
		add(d.reports[i].Attachments, &d.reports[i])
	}
	if contents == nil {
		return rows, nil
	}
	for i := range rows {
		st, err := contents.AttachmentState(ctx, rows[i].att.SHA256)
		if err != nil {
			return nil, err
		}
		rows[i].state, rows[i].known = st, true
	}
	return rows, nil
}

// fileStateText is where a file stands here.
func fileStateText(r fileRow) (string, widget.Importance) {
	switch {
	case !r.known:
		return lang.L("incident.file_unknown"), widget.LowImportance
	case r.state.Complete:
		return lang.L("incident.file_complete"), widget.SuccessImportance
	case r.state.Damaged != "":
		return lang.L("incident.file_damaged"), widget.DangerImportance
	}
	return lang.L("incident.file_receiving", map[string]any{"Percent": r.state.Percent()}), widget.WarningImportance
}

func fileSourceText(r fileRow) string {
	if r.village != "" {
		return lang.L("incident.file_from_village", map[string]any{"Name": r.village})
	}
	if r.report == nil {
		return lang.L("incident.file_from_incident")
	}
	return lang.L("incident.file_from_report", map[string]any{"Kind": reportKindLabel(r.report.Kind)})
}

func (v *incidentView) filesLength() int { return len(v.data.files) }

func (v *incidentView) filesCreate() fyne.CanvasObject {
	name := widget.NewLabel("")
	name.Truncation = fyne.TextTruncateEllipsis
	state := widget.NewLabel(lang.L("incident.file_receiving", map[string]any{"Percent": 100}))
	state.TextStyle.Bold = true
	source := widget.NewLabel("")
	source.Importance = widget.LowImportance
	open := widget.NewButtonWithIcon(lang.L("incident.file_open"), theme.FileIcon(), nil)
	save := widget.NewButtonWithIcon(lang.L("incident.file_save"), theme.DownloadIcon(), nil)
	return container.NewBorder(nil, nil, state, container.NewHBox(source, open, save), name)
}

func (v *incidentView) filesUpdate(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(v.data.files) {
		return
	}
	r := v.data.files[id]
	row := o.(*fyne.Container)
	name, state, right := row.Objects[0].(*widget.Label), row.Objects[1].(*widget.Label), row.Objects[2].(*fyne.Container)
	source, open, save := right.Objects[0].(*widget.Label), right.Objects[1].(*widget.Button), right.Objects[2].(*widget.Button)
	setText(name, lang.L("incident.attachment_line", map[string]any{"Name": attachment.CleanName(r.att.Name), "Size": formatSize(r.att.Size)}))
	text, importance := fileStateText(r)
	setText(state, text)
	if state.Importance != importance {
		state.Importance = importance
		state.Refresh()
	}
	setText(source, fileSourceText(r))
	enable(open, r.state.Complete)
	enable(save, r.state.Complete)
	open.OnTapped = func() { v.onOpenFile(r.att) }
	save.OnTapped = func() { v.onSaveFile(r.att) }
	row.Refresh()
}

func (v *incidentView) onFileSelected(id widget.ListItemID) {
	v.files.Unselect(id)
	if id >= len(v.data.files) {
		return
	}
	r := v.data.files[id]
	if r.state.Damaged != "" {
		v.s.u.showMessage(lang.L("incident.file_damaged"), lang.L("incident.file_damaged_detail", map[string]any{"Name": r.att.Name}))
	}
}

// readFile reads a complete content off the window's goroutine and hands
// it to done.
func (v *incidentView) readFile(att incident.Attachment, done func([]byte)) {
	contents := v.s.u.svc.IncidentContents
	if contents == nil {
		return
	}
	ctx := v.s.u.ctx
	runAsync(func() ([]byte, error) { return contents.Attachment(ctx, att.SHA256) }, func(data []byte, err error) {
		if err != nil {
			v.s.u.showMessage(lang.L("error.title"), lang.L("incident.error_file", map[string]any{"Name": att.Name, "Error": errorText(err)}))
			return
		}
		done(data)
	})
}

func (v *incidentView) onOpenFile(att incident.Attachment) {
	att.Name = attachment.CleanName(att.Name)
	if attachment.Risky(att.Name) {
		// A program, script or shortcut from another station would run,
		// not open: it is only ever saved, and the officer is told why.
		v.confirmSaveRisky(att)
		return
	}
	v.readFile(att, func(data []byte) {
		if err := v.s.openFile(att.Name, data); err != nil {
			v.s.u.showMessage(lang.L("error.title"), lang.L("incident.error_file", map[string]any{"Name": att.Name, "Error": err.Error()}))
		}
	})
}

// confirmSaveRisky explains why a file is not opened and offers to save it.
func (v *incidentView) confirmSaveRisky(att incident.Attachment) {
	msg := widget.NewLabel(lang.L("incident.file_risky_detail", map[string]any{"Name": att.Name}))
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(lang.L("incident.file_risky"), lang.L("incident.file_save"), lang.L("action.cancel"), msg, func(save bool) {
		if save {
			v.onSaveFile(att)
		}
	}, v.s.u.win)
	d.Resize(fyne.NewSize(460, 0))
	d.Show()
}

func (v *incidentView) onSaveFile(att incident.Attachment) {
	att.Name = attachment.CleanName(att.Name)
	var exts []string
	if ext := strings.ToLower(fileExt(att.Name)); ext != "" {
		exts = []string{ext}
	}
	v.s.chooseSave(att.Name, exts, func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			v.s.u.showError(err)
			return
		}
		if w == nil {
			return
		}
		v.readFile(att, func(data []byte) {
			defer w.Close()
			if _, err := w.Write(data); err != nil {
				v.s.u.showMessage(lang.L("error.title"), lang.L("incident.error_file", map[string]any{"Name": att.Name, "Error": err.Error()}))
				return
			}
			v.notice.show(lang.L("incident.file_saved", map[string]any{"Name": w.URI().Name()}))
		})
	})
}

// openWithSystem writes the file into a folder of its own under the
// system's temporary folder and hands it to the program the desktop opens
// such files with: a photo viewer, a PDF reader.
func openWithSystem(name string, data []byte) error {
	name = attachment.CleanName(name)
	if attachment.Risky(name) {
		return fmt.Errorf("%s may be a program or a script: save it instead of opening it", name)
	}
	dir, err := os.MkdirTemp("", "dutyroom-")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, filepath.Base(name))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	a := fyne.CurrentApp()
	if a == nil {
		return os.ErrInvalid
	}
	return a.OpenURL(&url.URL{Scheme: "file", Path: filepath.ToSlash(path)})
}

// openChosen opens the files picked for a report; closeAll closes them
// once the service has read them.
func openChosen(chosen []chosenFile) ([]IncidentFile, func(), error) {
	var (
		out  []IncidentFile
		open []*os.File
	)
	closeAll := func() {
		for _, f := range open {
			f.Close()
		}
	}
	for _, c := range chosen {
		fh, err := os.Open(c.path)
		if err != nil {
			closeAll()
			return nil, nil, app.FieldErrorf("attachments", "cannot open %s", c.name)
		}
		open = append(open, fh)
		info, err := fh.Stat()
		if err != nil {
			closeAll()
			return nil, nil, app.FieldErrorf("attachments", "cannot read %s", c.name)
		}
		out = append(out, IncidentFile{Name: c.name, MIME: mime.TypeByExtension(filepath.Ext(c.name)), Size: info.Size(), Content: fh})
	}
	return out, closeAll, nil
}

// Attachments of a report being written.

func (d *reportDialog) onAddFile() {
	dlg := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			d.showError("attachments", errorText(err))
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		d.addChosenFile(path)
	}, d.v.s.u.win)
	dlg.Resize(fyne.NewSize(760, 520))
	showFileDialog(dlg, d.v.s.u.win)
}

// addChosenFile lists a file for the report, refusing at once one over
// the station's limit.
func (d *reportDialog) addChosenFile(path string) {
	limit := d.v.base().settings.Limits.MaxAttachment
	if limit <= 0 {
		limit = incident.DefaultMaxAttachment
	}
	info, err := os.Stat(path)
	if err != nil {
		d.showError("attachments", lang.L("incident.error_attachment_read", map[string]any{"Name": filepath.Base(path)}))
		return
	}
	if info.Size() > limit {
		d.showError("attachments", lang.L("incident.error_attachment_size", map[string]any{
			"Name": info.Name(), "Size": formatSize(info.Size()), "Limit": formatSize(limit)}))
		return
	}
	d.errs["attachments"].Hide()
	d.files = append(d.files, chosenFile{path: path, name: info.Name(), size: info.Size()})
	d.showFiles()
}

func (d *reportDialog) showFiles() {
	d.fileList.Objects = nil
	for i, file := range d.files {
		remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
			if i < len(d.files) {
				d.files = append(d.files[:i], d.files[i+1:]...)
				d.showFiles()
			}
		})
		remove.Importance = widget.LowImportance
		name := widget.NewLabel(lang.L("incident.attachment_line", map[string]any{"Name": file.name, "Size": formatSize(file.size)}))
		name.Truncation = fyne.TextTruncateEllipsis
		d.fileList.Add(container.NewBorder(nil, nil, nil, remove, name))
	}
	d.fileList.Refresh()
	d.dlg.Refresh()
}
