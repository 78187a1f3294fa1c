/// <reference path="../pb_data/types.d.ts" />

// Local policy: major findings (重大隐患) are listed for supervised rectification.
//
// The district's fire plan (海政办发〔2018〕16号) asks that every major hazard be listed for
// government-supervised rectification (挂账督办) with a deadline. This file holds that rule as
// local policy an operator may change without a build:
//
//   1. A finding of severity "major" must carry a rectification deadline. A save without one is
//      refused with HTTP 400 and the field error
//        data.deadline.code = "major_finding_needs_deadline"
//      whichever door the save came through (REST, batch, admin UI, sync push, server code),
//      because the check is a model hook (onRecordValidate), not a request hook.
//   2. A major finding, once created, is marked supervised (挂账督办). The hook saves the stored
//      finding itself, after the creation, so the audit trail records that change with door
//      "hook" and actor "system"; the response to the create still shows the finding as sent.
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

  if (e.record.getString("severity") !== "major" || e.record.getBool("supervised")) {
    return;
  }
  // A fresh copy carries no request attribution: the save is the hook's own.
  try {
    const finding = e.app.findRecordById("findings", e.record.id);
    finding.set("supervised", true);
    e.app.save(finding);
  } catch (err) {
    // The finding is already stored; a failure here must not turn its creation into an error.
    e.app.logger().error("local_policy: cannot list a major finding for supervision",
      "finding", e.record.id, "error", String(err));
  }
}, "findings");
