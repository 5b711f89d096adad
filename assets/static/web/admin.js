// Progressive enhancement of the admin workspace; every page works without it.
(function () {
  'use strict';
  // The user form: show the binding field the chosen role needs (the
  // enterprise's tax code for an enterprise user, the body for a certifier).
  var role = document.getElementById('role');
  var ent = document.getElementById('field-enterprise');
  var body = document.getElementById('field-body_id');
  if (role && ent && body) {
    var sync = function () {
      ent.hidden = role.value !== 'enterprise' && !ent.querySelector('.field-error');
      body.hidden = role.value !== 'certifier' && !body.querySelector('.field-error');
    };
    role.addEventListener('change', sync);
    sync();
  }
  // The one-time password: a click selects it for copying.
  var pw = document.getElementById('new-password');
  if (pw && window.getSelection) {
    pw.addEventListener('click', function () {
      var r = document.createRange();
      r.selectNodeContents(pw);
      var s = window.getSelection();
      s.removeAllRanges();
      s.addRange(r);
    });
  }
})();
