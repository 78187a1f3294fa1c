/// <reference path="../pb_data/types.d.ts" />

// Local policy: major findings (重大隐患) need a deadline, and their supervisors hear of them.
//
// The district's fire plan (海政办发〔2018〕16号) asks that every major hazard be listed for
// government-supervised rectification (挂账督办) with a deadline. Listing is a Go rule that
// always holds (internal/rectify marks every major finding supervised); this file adds local
// policy an operator may change without a build:
//
//   1. A finding of severity "major" must carry a rectification deadline. A save without one is
//      refused with HTTP 400 and the field error
//        data.deadline.code = "major_finding_needs_deadline"
//      whichever door the save came through (REST, batch, admin UI, sync push, server code),
//      because the check is a model hook (onRecordValidate), not a request hook.
//   2. When a major finding is created, each supervisor of its subdistrict gets a notification
//      (on their phone through sync, and in the admin UI). The hook's own saves are recorded in
//      the audit trail with door "hook" and actor "system".
//
// To disable it: delete or rename this file (any name not ending in .pb.js) and restart.
// To change it: edit it and restart (hooks are read on start). See README.md beside this file.
//
// Note: every handler runs in its own JS runtime, so a handler sees only what it declares
// itself (and the globals $app, __hooks, require); constants at the top of this file are not
// visible inside a handler.

onRecordValidate((e) => {
  // Run the schema's own field checks first, so a malformed save reports those.
  e.next();

  if (e.record.getString("severity") !== "major") {
    return;
  }
  if (!e.record.getDateTime("deadline").isZero()) {
    return;
  }
  throw new BadRequestError(
    "重大隐患必须设定整改期限 / a major finding needs a rectification deadline",
    {
      deadline: new ValidationError(
        "major_finding_needs_deadline",
        "重大隐患必须设定整改期限 / a major finding needs a rectification deadline",
      ),
    },
  );
}, "findings");

onRecordAfterCreateSuccess((e) => {
  e.next();

  if (e.record.getString("severity") !== "major") {
    return;
  }
  // The finding is already stored; a failure here must not turn its creation into an error.
  try {
    const sd = e.record.getString("subdistrict");
    const supervisors = e.app.findRecordsByFilter(
      "users", "role = 'supervisor' && subdistricts.id ?= {:sd}", "", 0, 0, { sd: sd });
    const notifications = e.app.findCollectionByNameOrId("notifications");
    for (const supervisor of supervisors) {
      const n = new Record(notifications);
      n.set("user", supervisor.id);
      n.set("kind", "major_found");
      n.set("subdistrict", sd);
      n.set("finding", e.record.id);
      n.set("message", "新发现重大隐患，已挂账督办：" + e.record.getString("description"));
      // Only the server writes notifications; an unattributed save would be refused.
      e.app.save($fieldsync.asSystem(n));
    }
  } catch (err) {
    e.app.logger().error("local_policy: cannot notify the supervisors of a major finding",
      "finding", e.record.id, "error", String(err));
  }
}, "findings");
