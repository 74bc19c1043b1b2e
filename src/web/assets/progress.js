// Shows a progress indicator while a form's work takes time (validating a large message, say), and
// keeps the button from being pressed twice.
(function () {
  'use strict';
  document.querySelectorAll('form[data-progress]').forEach(function (form) {
    form.addEventListener('submit', function () {
      var box = form.querySelector('.progress');
      if (box) {
        box.classList.add('visible');
        box.setAttribute('aria-hidden', 'false');
        box.setAttribute('role', 'status');
      }
      form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = true; });
    });
  });
  var result = document.getElementById('resultat');
  if (result) result.focus();
})();
