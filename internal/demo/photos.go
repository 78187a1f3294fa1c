package demo

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/haidian/fieldsync/internal/schema"
)

// Demo photos: the evidence of the re-inspections that closed findings rest on. Their bytes
// were never uploaded, so they stay pending, as on a phone that synced its records first.
var (
	phGroupRecheck = ID("ph", 1)
	phLandRecheck  = ID("ph", 2)
	phSiteRecheck  = ID("ph", 3)
)

var photoRows = []struct{ id, place, uploader, label string }{
	{phGroupRecheck, pGroupRental, uInspector, "太平路22号院群租房复查：隔断已拆除"},
	{phLandRecheck, pLandWanshou, uInspector, "万寿路腾退空地复查：已绿化"},
	{phSiteRecheck, pSiteYongding, uInspector2, "永定路安置房工地复查：土方已苫盖"},
}

func photos() []item {
	out := make([]item, len(photoRows))
	for i, p := range photoRows {
		sum := sha256.Sum256([]byte(p.label))
		out[i] = item{coll: schema.Photos, id: p.id, data: map[string]any{
			"sha256": hex.EncodeToString(sum[:]), "subdistrict": sdOf(p.place), "status": "pending",
			"mime": "image/jpeg", "uploader": p.uploader,
		}}
	}
	return out
}

// Re-inspections (passing, with their photos) and the findings they closed or cleared.
var (
	iLandRecheck = ID("in", 21)
	iSiteRecheck = ID("in", 22)
)

var inspPhotos = map[string][]string{
	iGroupRecheck: {phGroupRecheck},
	iLandRecheck:  {phLandRecheck},
	iSiteRecheck:  {phSiteRecheck},
}

var findReinspection = map[string]string{
	fGroupRental: iGroupRecheck, fEbikeRental: iGroupRecheck,
	fLandWanshou: iLandRecheck, fSiteCover: iSiteRecheck,
}
