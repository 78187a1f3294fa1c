package app_test

import (
	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/localsetting"
	"github.com/haidian/fieldsync/internal/schema"
)

// The tutoring programme's collections (internal/tutoring). Incidents are field records of a
// subdistrict. The agencies' registries: only the import route writes them and only district
// administrators reach the collections; supervisors read their own import jobs through
// /api/fs/tutoring/imports.

func (p *accessProbe) registryImportBody(string) map[string]any {
	return map[string]any{"source": "market", "file_name": "market-" + p.word() + ".csv", "status": "done"}
}

func (p *accessProbe) registryImportSamples() [2]string {
	return p.seed(schema.RegistryImports, p.registryImportBody)
}

func (p *accessProbe) registryEntryBody(string) map[string]any {
	job := p.save(p.t, schema.RegistryImports, p.registryImportBody("a")).Id
	return map[string]any{"import": job, "source": "market", "line": 2, "name": "北京某某教育咨询有限公司 " + p.word()}
}

func (p *accessProbe) registryEntrySamples() [2]string {
	return p.seed(schema.RegistryEntries, p.registryEntryBody)
}

func (p *accessProbe) incidentBody(side string) map[string]any {
	return map[string]any{"subdistrict": accessSubdistrict(side), "occurred_at": "2018-06-10 02:00:00.000Z",
		"kind": "public_opinion", "description": "网络舆情 " + p.word()}
}

func (p *accessProbe) milestoneBody(string) map[string]any {
	return map[string]any{"code": "test_" + p.word(), "programme": "fire", "title": "测试节点",
		"due": "2018-11-30 16:00:00.000Z", "target": 1, "measure": "key_units_standardised"}
}

func (p *accessProbe) milestoneSamples() [2]string {
	return p.seed(schema.Milestones, p.milestoneBody)
}

// localSettingSamples are the seeded records of the first two local choices (both yes/no).
func (p *accessProbe) localSettingSamples() [2]string {
	var ids [2]string
	for i, s := range localsetting.All[:2] {
		r, err := p.app.FindFirstRecordByData(schema.LocalSettings, "key", string(s.Key))
		if err != nil {
			p.t.Fatal(err)
		}
		ids[i] = r.Id
	}
	return ids
}

// localSettingBody is a new record of a local choice: the migration seeds every key the code
// reads and a key is unique, so it takes a key whose record is gone, or frees the last one (a
// deleted setting reads as its default); the samples' keys are never freed.
func (p *accessProbe) localSettingBody(string) map[string]any {
	body := func(s localsetting.Setting) map[string]any {
		return map[string]any{"key": string(s.Key), "value": s.Default, "description_zh": s.ZH, "description_en": s.EN}
	}
	for _, s := range localsetting.All[2:] {
		if _, err := p.app.FindFirstRecordByData(schema.LocalSettings, "key", string(s.Key)); err != nil {
			return body(s)
		}
	}
	last := localsetting.All[len(localsetting.All)-1]
	r, err := p.app.FindFirstRecordByData(schema.LocalSettings, "key", string(last.Key))
	if err != nil {
		p.t.Fatal(err)
	}
	access.AsSystem(r)
	if err := p.app.Delete(r); err != nil {
		p.t.Fatal(err)
	}
	return body(last)
}
