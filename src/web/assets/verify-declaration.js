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
  // What the page says is bokmål: a refusal carries its own text; the browser's own errors (a failed
  // fetch, Web Crypto without Ed25519, a token that is not base64url or JSON) are English, so they
  // are never shown, only worded here.
  function Refusal(text) {
    this.message = text;
  }
  function say(cls, text) {
    out.className = 'verify-result notice ' + cls;
    out.textContent = text;
  }

  async function verify() {
    button.disabled = true;
    say('', 'Kontrollerer signaturen …');
    try {
      if (!window.crypto || !crypto.subtle) throw new Refusal('Nettleseren kan ikke kontrollere signaturer her (Web Crypto mangler).');
      var responses = await Promise.all([fetch(button.dataset.jws), fetch(button.dataset.jwks)]).catch(function () {
        throw new Refusal('Fikk ikke hentet erklæringen eller nøklene. Sjekk nettforbindelsen og prøv igjen.');
      });
      if (!responses[0].ok || !responses[1].ok) throw new Refusal('Fikk ikke hentet erklæringen eller nøklene.');
      var jws = (await responses[0].text()).trim();
      var jwks = await responses[1].json();
      var parts = jws.split('.');
      if (parts.length !== 3) throw new Refusal('Den signerte erklæringen har feil form.');
      var header = b64urlJson(parts[0]);
      if (header.alg !== 'EdDSA') throw new Refusal('Ukjent signaturalgoritme: ' + header.alg);
      var jwk = (jwks.keys || []).find(function (k) {
        return k.kid === header.kid;
      });
      if (!jwk) throw new Refusal('Nøkkelen erklæringen er signert med (' + header.kid + ') finnes ikke blant ordningens nøkler.');
      var key = await crypto.subtle
        .importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, { name: 'Ed25519' }, false, ['verify'])
        .catch(function () {
          throw new Refusal(
            'Nettleseren din kan ikke kontrollere Ed25519-signaturer. Bruk en nyere nettleser, eller kontroller erklæringen med samsvar verify.',
          );
        });
      var ok = await crypto.subtle.verify(
        { name: 'Ed25519' },
        key,
        b64urlBytes(parts[2]),
        new TextEncoder().encode(parts[0] + '.' + parts[1]),
      );
      if (!ok)
        throw new Refusal('Signaturen er ugyldig: innholdet er endret etter at det ble signert, eller det er ikke signert av ordningen.');
      var payload = b64urlJson(parts[1]);
      if (payload.id !== button.dataset.id) throw new Refusal('Den signerte erklæringen gjelder en annen erklæring (' + payload.id + ').');
      say(
        'ok',
        'Signaturen er gyldig: erklæringen ' +
          payload.id +
          ' er signert med ordningens nøkkel ' +
          header.kid +
          ' og er ikke endret. Gjeldende status står øverst på siden.',
      );
    } catch (e) {
      say('bad', e instanceof Refusal ? e.message : 'Kontrollen feilet: den signerte erklæringen eller nøklene kunne ikke leses.');
    } finally {
      button.disabled = false;
    }
  }
  button.addEventListener('click', verify);
})();
