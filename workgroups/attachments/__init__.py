"""Attachments (پیوست‌ها) of projects, joint meetings and workgroups' lists: content checks
(`files`), who may read and change them and when (`parents`), and the audited steps (`services`).
A later kind of parent (monitoring reports) adds a key to `Attachment` and a branch to `parents`."""
