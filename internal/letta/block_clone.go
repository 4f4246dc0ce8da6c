package letta

import "slices"

// Clone returns a deep copy of b: no map, slice or pointer of the copy is
// shared with b, so a store may hand out copies of one decoded block.
func (b *Block) Clone() Block {
	c := *b
	c.Description = clonePtr(b.Description)
	c.Metadata = cloneMap(b.Metadata)
	c.TemplateName = clonePtr(b.TemplateName)
	c.Name = clonePtr(b.Name)
	c.Hidden = clonePtr(b.Hidden)
	c.PreserveOnMigration = clonePtr(b.PreserveOnMigration)
	c.ProjectID = clonePtr(b.ProjectID)
	c.TemplateID = clonePtr(b.TemplateID)
	c.BaseTemplateID = clonePtr(b.BaseTemplateID)
	c.DeploymentID = clonePtr(b.DeploymentID)
	c.EntityID = clonePtr(b.EntityID)
	c.Tags = slices.Clone(b.Tags)
	c.CreatedByID = clonePtr(b.CreatedByID)
	c.LastUpdatedByID = clonePtr(b.LastUpdatedByID)
	return c
}
