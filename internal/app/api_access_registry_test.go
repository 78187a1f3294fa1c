package app_test

import "github.com/haidian/fieldsync/internal/schema"

// The agencies' registries imported for the tutoring programme (internal/tutoring): only the
// import route writes them and only district administrators reach the collections; supervisors
// read their own import jobs through /api/fs/tutoring/imports.

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
