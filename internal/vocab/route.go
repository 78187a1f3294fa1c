package vocab

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"
)

// Register serves every vocabulary at GET /api/fs/vocab, to anyone: the values and their
// Chinese and English names are what clients show in pickers and labels.
func Register(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/fs/vocab", func(e *core.RequestEvent) error {
			e.Response.Header().Set("Cache-Control", "public, max-age=300")
			return e.JSON(http.StatusOK, map[string]any{"enums": All()})
		})
		return se.Next()
	})
}
