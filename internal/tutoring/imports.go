package tutoring

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	gosync "sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/xuri/excelize/v2"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

// An import reads one agency registry (CSV or XLSX, a heading line then one organisation a
// line) into registry_entries, matching each line to a centre of the ledger by credit code,
// then by name and address. It runs as a job: POST answers 202 with the job at once, the job
// processes the lines in batches of ImportBatch, each in its own transaction, and records its
// progress after each batch; GET imports/{id} reads it, and with ?wait=30s waits until the job
// ends or the time passes. A refused line is listed with its line number and reason and never
// stops the others. Registries are evidence, not the ledger: an import changes no centre; what
// disagrees with the ledger is listed as a discrepancy for supervisors to inspect.

// ImportBatch is how many lines one transaction of an import writes.
const ImportBatch = 200

// MaxImportLines bounds an import; a registry of the district is a few tens of thousands.
const MaxImportLines = 100000

// The reasons a line is refused.
const (
	LineNameMissing  = "line_name_missing"
	LineDuplicate    = "line_duplicate_credit_code"
	LineTooLong      = "line_field_too_long"
	LineRecordFailed = "line_not_stored"
)

// The kinds of discrepancy.
const (
	// NameSaysTraining: a business whose name says it trains or teaches (培训, 教育咨询…) and
	// that holds no school licence in the ledger.
	NameSaysTraining = "name_says_training_without_licence"
	// NotInLedger: a licensed school or training business the ledger has no centre for.
	NotInLedger = "not_in_ledger"
	// LicenceMismatch: the registry licenses a centre the ledger records as unlicensed.
	LicenceMismatch = "licence_not_in_ledger"
	// LicenceNoMismatch: the registry's licence number differs from the ledger's.
	LicenceNoMismatch = "licence_number_differs"
	// ScopeMismatch: the business licence's scope disagrees with the ledger's.
	ScopeMismatch = "business_scope_differs"
	// CertificateMismatch: a registered NGO the ledger records without its certificate.
	CertificateMismatch = "certificate_not_in_ledger"
)

// LineError is a refused line.
type LineError struct {
	Line    int    `json:"line"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Discrepancy is a registry line that disagrees with the ledger.
type Discrepancy struct {
	Line       int    `json:"line"`
	Kind       string `json:"kind"`
	CreditCode string `json:"credit_code"`
	Name       string `json:"name"`
	Centre     string `json:"centre,omitempty"`
	Message    string `json:"message"`
}

var (
	errImportForbidden = fault.New(fault.Permission, "import_forbidden",
		"只有督办主管和区级管理员可以导入部门名录", "only supervisors and district administrators may import registries")
	errImportSource = fault.New(fault.Invalid, "import_source",
		"请指明名录来源：education、market、civil_affairs 或 human_resources",
		"source must be education, market, civil_affairs or human_resources")
	errImportFile = fault.New(fault.Invalid, "import_file",
		"请上传 CSV 或 XLSX 文件，首行为表头，须有名称列", "upload a CSV or XLSX file whose first line names the columns, a name column among them")
	errImportTooLarge = fault.New(fault.TooLarge, "import_too_large",
		"文件行数过多", fmt.Sprintf("a registry import holds at most %d lines", MaxImportLines))
	errNoJob = fault.New(fault.NotExist, "import_not_found", "未找到该导入任务", "no such import job")
)

// columnNames maps the headings agencies use to the fields of an entry.
var columnNames = map[string][]string{
	"credit_code": {"统一社会信用代码", "信用代码", "credit_code", "credit code"},
	"name":        {"名称", "机构名称", "企业名称", "单位名称", "学校名称", "name"},
	"address":     {"地址", "住所", "经营场所", "办学地址", "address"},
	"licence_no":  {"许可证号", "办学许可证号", "证书编号", "licence_no", "license_no"},
	"scope":       {"经营范围", "业务范围", "办学内容", "scope"},
}

// line is one data line of a registry file.
type line struct {
	no     int
	fields map[string]string
}

// readRegistry reads a CSV or XLSX file into lines, by its heading line.
func readRegistry(name string, data []byte) ([]line, error) {
	var rows [][]string
	var lineNos []int
	if strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return nil, errImportFile.Wrap(err)
		}
		defer f.Close()
		if rows, err = f.GetRows(f.GetSheetName(0)); err != nil {
			return nil, errImportFile.Wrap(err)
		}
		for i := range rows {
			lineNos = append(lineNos, i+1)
		}
	} else {
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, errImportFile.Wrap(err)
			}
			l, _ := r.FieldPos(0)
			rows, lineNos = append(rows, rec), append(lineNos, l)
		}
	}
	if len(rows) == 0 {
		return nil, errImportFile
	}
	if len(rows)-1 > MaxImportLines {
		return nil, errImportTooLarge
	}
	cols := map[int]string{}
	for i, h := range rows[0] {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		for field, names := range columnNames {
			for _, n := range names {
				if h == strings.ToLower(n) {
					cols[i] = field
				}
			}
		}
	}
	hasName := false
	for _, f := range cols {
		hasName = hasName || f == "name"
	}
	if !hasName {
		return nil, errImportFile
	}
	out := make([]line, 0, len(rows)-1)
	for i, row := range rows[1:] {
		l := line{no: lineNos[i+1], fields: map[string]string{}}
		empty := true
		for c, v := range row {
			if field, ok := cols[c]; ok {
				l.fields[field] = strings.TrimSpace(v)
				empty = empty && l.fields[field] == ""
			}
		}
		if !empty {
			out = append(out, l)
		}
	}
	return out, nil
}

// jobs holds a channel per running job of this process, closed when the job ends, so a
// waiting reader wakes without polling.
var jobs gosync.Map // id → chan struct{}

func handleImport(e *core.RequestEvent) error {
	actor := access.ActorFromAuth(e.Auth)
	if actor.Kind != access.KindSuperuser && actor.Role != access.Supervisor {
		return writeError(e, errImportForbidden)
	}
	source := e.Request.FormValue("source")
	if !vocab.RegistrySource.Has(source) {
		return writeError(e, errImportSource)
	}
	file, header, err := e.Request.FormFile("file")
	if err != nil {
		return writeError(e, errImportFile.Wrap(err))
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return writeError(e, errImportFile.Wrap(err))
	}
	lines, err := readRegistry(header.Filename, data)
	if err != nil {
		return writeError(e, err)
	}
	job, err := startJob(e.App, actor, source, header.Filename, len(lines))
	if err != nil {
		return writeError(e, err)
	}
	done := make(chan struct{})
	jobs.Store(job.Id, done)
	app, view := e.App, jobView(job) // the view is taken before the job's goroutine changes it
	go func() {
		defer func() {
			close(done)
			jobs.Delete(job.Id) // a later reader finds the job ended in the database
		}()
		defer func() {
			if r := recover(); r != nil {
				app.Logger().Error("registry import panicked", "job", job.Id, "panic", r)
				finishJob(app, job, fmt.Errorf("panic: %v", r))
			}
		}()
		finishJob(app, job, runImport(app, job, source, lines))
	}()
	return e.JSON(http.StatusAccepted, view)
}

func startJob(app core.App, actor access.Actor, source, name string, total int) (*core.Record, error) {
	c, err := app.FindCollectionByNameOrId(schema.RegistryImports)
	if err != nil {
		return nil, err
	}
	job := core.NewRecord(c)
	job.Load(map[string]any{"source": source, "file_name": name, "status": "running", "total": total,
		"errors": []LineError{}, "discrepancies": []Discrepancy{}})
	if actor.Kind == access.KindUser {
		job.Set("started_by", actor.ID)
	}
	// The job and its lines are written for its starter, after the import checked them.
	access.Attribute(job, access.Attribution{Actor: actor, Door: access.DoorREST, Trusted: true})
	return job, app.Save(job)
}

// finishJob records the end of a job; err, when not nil, failed it.
func finishJob(app core.App, job *core.Record, err error) {
	job.Set("status", "done")
	if err != nil {
		job.Set("status", "failed")
		job.Set("failure", err.Error())
		app.Logger().Error("registry import failed", "job", job.Id, "error", err)
	}
	job.Set("finished_at", types.NowDateTime())
	if err := app.Save(job); err != nil {
		app.Logger().Error("registry import: recording the end failed", "job", job.Id, "error", err)
	}
}

// runImport stores the lines batch by batch and records the progress after each.
func runImport(app core.App, job *core.Record, source string, lines []line) error {
	m := &matcher{source: source, seen: map[string]int{}, attr: access.AttributionOf(job)}
	var lineErrs []LineError
	var discs []Discrepancy
	imported := 0
	for start := 0; start < len(lines); start += ImportBatch {
		batch := lines[start:min(start+ImportBatch, len(lines))]
		err := app.RunInTransaction(func(tx core.App) error {
			for _, l := range batch {
				d, le := m.store(tx, job.Id, l)
				if le != nil {
					lineErrs = append(lineErrs, *le)
					continue
				}
				imported++
				discs = append(discs, d...)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("batch at line %d: %w", batch[0].no, err)
		}
		job.Set("processed", start+len(batch))
		job.Set("imported", imported)
		job.Set("refused", len(lineErrs))
		job.Set("errors", lineErrs)
		job.Set("discrepancies", discs)
		if err := app.Save(job); err != nil {
			return fmt.Errorf("progress: %w", err)
		}
	}
	return nil
}

// failInterruptedImports fails the jobs a stop of the server interrupted: a job runs only in
// the process that started it. The lines stored before the stop stay; the job's lists hold
// the batches it finished.
func failInterruptedImports(app core.App) {
	running, err := app.FindAllRecords(schema.RegistryImports, dbx.HashExp{"status": "running"})
	if err != nil {
		app.Logger().Error("registry imports: finding interrupted jobs failed", "error", err)
		return
	}
	for _, job := range running {
		if _, here := jobs.Load(job.Id); here {
			continue // still running in this process
		}
		access.AsSystem(job)
		finishJob(app, job, errors.New("interrupted by a restart of the server; import the file again"))
	}
}

func jobView(job *core.Record) map[string]any {
	out := map[string]any{"id": job.Id}
	for _, f := range []string{"source", "file_name", "status", "total", "processed", "imported", "refused",
		"errors", "discrepancies", "failure", "created", "finished_at"} {
		out[f] = job.Get(f)
	}
	return out
}

// handleImportJob reads a job: its starter and district administrators may, each seeing the
// discrepancies about centres REST shows them. ?wait=30s waits, at most a minute, for a
// running job of this process to end.
func handleImportJob(e *core.RequestEvent) error {
	actor := access.ActorFromAuth(e.Auth)
	id := e.Request.PathValue("id")
	if wait, err := time.ParseDuration(e.Request.URL.Query().Get("wait")); err == nil && wait > 0 {
		if ch, ok := jobs.Load(id); ok {
			select {
			case <-ch.(chan struct{}):
			case <-time.After(min(wait, time.Minute)):
			case <-e.Request.Context().Done():
			}
		}
	}
	job, err := e.App.FindRecordById(schema.RegistryImports, id)
	if err != nil || (actor.Kind != access.KindSuperuser && (actor.Role != access.Supervisor || job.GetString("started_by") != actor.ID)) {
		return writeError(e, errNoJob)
	}
	view := jobView(job)
	if view["discrepancies"], err = viewableDiscrepancies(e, job); err != nil {
		return writeError(e, err)
	}
	return e.JSON(http.StatusOK, view)
}
