package api
import ("testing";"encoding/json")
func TestNM(t *testing.T){ var u updateAgentRequest; json.Unmarshal([]byte(`{"metadata":null}`), &u); t.Logf("%+v", u.Metadata); p:=u.params("x"); t.Logf("%#v", p.Metadata)}
