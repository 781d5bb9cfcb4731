"""Training (Bimtek) attendance: creation and invitations, RSVP, check-in, the training's page,
export and reminders. See docs/model.md and domain.md section 6 for the vocabulary."""
