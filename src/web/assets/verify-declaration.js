// Checks a declaration's signature in the browser: fetches the compact JWS and the scheme's JWKS from
// this origin and verifies the EdDSA (Ed25519) signature with the Web Crypto API. Nothing is trusted
// from the page itself except where to fetch from.
(function () {
  'use strict';
  var button = document.getElementById('verify');
  var out = document.getElementById('verify-result');
  if (!button || !out) return;

  function b64urlBytes(s) {
    var b64 = s.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }
  function b64urlJson(s) {
    return JSON.parse(new TextDecoder().decode(b64urlBytes(s)));
  }
  function say(cls, text) {
    out.className = 'verify-result notice ' + cls;
    out.textContent = text;
  }

  async function verify() {
    button.disabled = true;
    say('', 'Kontrollerer signaturen …');
    try {
      if (!window.crypto || !crypto.subtle) throw new Error('Nettleseren kan ikke kontrollere signaturer her (Web Crypto mangler).');
      var responses = await Promise.all([fetch(button.dataset.jws), fetch(button.dataset.jwks)]);
      if (!responses[0].ok || !responses[1].ok) throw new Error('Fikk ikke hentet erklæringen eller nøklene.');
      var jws = (await responses[0].text()).trim();
      var jwks = await responses[1].json();
      var parts = jws.split('.');
      if (parts.length !== 3) throw new Error('Den signerte erklæringen har feil form.');
      var header = b64urlJson(parts[0]);
      if (header.alg !== 'EdDSA') throw new Error('Ukjent signaturalgoritme: ' + header.alg);
      var jwk = (jwks.keys || []).find(function (k) {
        return k.kid === header.kid;
      });
      if (!jwk) throw new Error('Nøkkelen erklæringen er signert med (' + header.kid + ') finnes ikke blant ordningens nøkler.');
      var key = await crypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, { name: 'Ed25519' }, false, ['verify']);
      var ok = await crypto.subtle.verify(
        { name: 'Ed25519' },
        key,
        b64urlBytes(parts[2]),
        new TextEncoder().encode(parts[0] + '.' + parts[1]),
      );
      if (!ok)
        throw new Error('Signaturen er ugyldig: innholdet er endret etter at det ble signert, eller det er ikke signert av ordningen.');
      var payload = b64urlJson(parts[1]);
      if (payload.id !== button.dataset.id) throw new Error('Den signerte erklæringen gjelder en annen erklæring (' + payload.id + ').');
      say(
        'ok',
        'Signaturen er gyldig: erklæringen ' +
          payload.id +
          ' er signert med ordningens nøkkel ' +
          header.kid +
          ' og er ikke endret. Gjeldende status står øverst på siden.',
      );
    } catch (e) {
      say('bad', e && e.message ? e.message : 'Kontrollen feilet.');
    } finally {
      button.disabled = false;
    }
  }
  button.addEventListener('click', verify);
})();
