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
      form.querySelectorAll('button[type="submit"]').forEach(function (b) {
        b.disabled = true;
      });
    });
  });
  // Back and Forward can restore the page from the browser's cache as it was left after a submit:
  // buttons disabled and the indicator showing. Put the forms back as they were before the submit.
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    document.querySelectorAll('form[data-progress]').forEach(function (form) {
      var box = form.querySelector('.progress');
      if (box) {
        box.classList.remove('visible');
        box.setAttribute('aria-hidden', 'true');
        box.removeAttribute('role');
      }
      form.querySelectorAll('button[type="submit"]').forEach(function (b) {
        b.disabled = false;
      });
    });
  });
  // A page that follows work running on the server (a re-validation) marks the part to renew with
  // data-status; while it is not done, the page is fetched again and that part replaced.
  var live = document.getElementById('fremdrift');
  if (live && live.getAttribute('data-status') !== 'done' && window.fetch && window.DOMParser) {
    var renew = function () {
      fetch(window.location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } })
        .then(function (r) {
          return r.ok ? r.text() : Promise.reject(r.status);
        })
        .then(function (html) {
          var next = new DOMParser().parseFromString(html, 'text/html').getElementById('fremdrift');
          if (!next) return;
          live.innerHTML = next.innerHTML;
          live.setAttribute('data-status', next.getAttribute('data-status') || '');
          if (live.getAttribute('data-status') !== 'done') window.setTimeout(renew, 1500);
        })
        .catch(function () {
          window.setTimeout(renew, 5000);
        });
    };
    window.setTimeout(renew, 1500);
  }
  var result = document.getElementById('resultat');
  if (result) result.focus();
})();
