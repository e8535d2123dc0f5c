// login.mjs — login (with the one-time code when the server asks for it) and
// the password change (forced when must_change).
import { html, useState, useRef, useEffect } from '../lib/html.mjs';
import { t, LANGS, currentLang } from '../lib/i18n.mjs';
import { api, setCsrf } from '../lib/api.mjs';
import { ErrorBox, Notice, Field } from '../lib/ui.mjs';

export function LoginPage({ onLogin, onLang }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [otp, setOtp] = useState('');
  const [needOtp, setNeedOtp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const otpRef = useRef(null);

  useEffect(() => { if (needOtp && otpRef.current) otpRef.current.focus(); }, [needOtp]);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = { username: username.trim(), password };
    if (needOtp) body.otp = otp.trim();
    try {
      const r = await api.post('/login', body, { quiet401: true });
      setPassword('');
      onLogin({ ...r.user, must_change: r.must_change || r.user.must_change }, r.csrf);
    } catch (err) {
      if (err.status === 401 && err.otp_required) {
        if (needOtp && otp) setError(t('login.otp_wrong'));
        setNeedOtp(true);
      } else if (err.status === 401) {
        setError(t('login.failed'));
      } else if (err.status === 429) {
        setError(t('login.throttled'));
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  };

  return html`<div class="login-wrap">
    <form class="login card" onSubmit=${submit} data-testid="login-form" novalidate>
      <div class="login-head">
        <span class="brand-mark big" aria-hidden="true">民</span>
        <div>
          <h1>${t('app.name')}</h1>
          <p class="sub">${t('app.tagline')}</p>
        </div>
      </div>
      <${Field} label=${t('login.username')} id="login-user">
        <input id="login-user" name="username" autocomplete="username" required value=${username}
          onInput=${(e) => setUsername(e.target.value)} data-testid="login-username" autocapitalize="off" spellcheck=${false} />
      </${Field}>
      <${Field} label=${t('login.password')} id="login-pass">
        <input id="login-pass" name="password" type="password" autocomplete="current-password" required
          value=${password} onInput=${(e) => setPassword(e.target.value)} data-testid="login-password" />
      </${Field}>
      ${needOtp && html`<${Field} label=${t('login.otp')} id="login-otp" hint=${t('login.otp_hint')}>
        <input id="login-otp" name="otp" ref=${otpRef} inputmode="numeric" autocomplete="one-time-code"
          pattern="[0-9]*" maxlength="8" value=${otp} onInput=${(e) => setOtp(e.target.value)} data-testid="login-otp" />
      </${Field}>`}
      <${ErrorBox} error=${error} testid="login-error" />
      <button type="submit" class="btn btn-primary btn-block" disabled=${busy || !username || !password}
        data-testid="login-submit">${busy ? t('login.busy') : t('login.submit')}</button>
      <div class="login-foot">
        <label for="login-lang">${t('lang.label')}</label>
        <select id="login-lang" value=${currentLang()} onChange=${(e) => onLang(e.target.value)} data-testid="lang-select">
          ${LANGS.map((l) => html`<option value=${l}>${t(`lang.${l}`)}</option>`)}
        </select>
      </div>
    </form>
  </div>`;
}

export function PasswordPage({ user, forced, onChanged }) {
  const [oldPw, setOld] = useState('');
  const [newPw, setNew] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    if (newPw.length < 8) return setError(t('password.too_short'));
    if (newPw !== again) return setError(t('password.mismatch'));
    setBusy(true);
    try {
      const r = await api.post('/session/password', { old_password: oldPw, new_password: newPw }, { quiet401: true });
      setCsrf(r.csrf);
      setDone(true);
      setOld(''); setNew(''); setAgain('');
      if (onChanged) onChanged({ ...r.user, must_change: false }, r.csrf);
    } catch (err) {
      setError(err.status === 401 ? t('password.old_wrong') : err);
    } finally {
      setBusy(false);
    }
  };

  return html`<div class="page page-narrow">
    <form class="card" onSubmit=${submit} data-testid="password-form">
      <h1>${t('password.title')}</h1>
      ${forced && html`<${Notice} kind="warn" text=${t('password.forced')} testid="password-forced" />`}
      <${Field} label=${t('password.old')} id="pw-old">
        <input id="pw-old" type="password" autocomplete="current-password" value=${oldPw}
          onInput=${(e) => setOld(e.target.value)} data-testid="password-old" />
      </${Field}>
      <${Field} label=${t('password.new')} id="pw-new" hint=${t('password.rule')}>
        <input id="pw-new" type="password" autocomplete="new-password" value=${newPw}
          onInput=${(e) => setNew(e.target.value)} data-testid="password-new" />
      </${Field}>
      <${Field} label=${t('password.again')} id="pw-again">
        <input id="pw-again" type="password" autocomplete="new-password" value=${again}
          onInput=${(e) => setAgain(e.target.value)} data-testid="password-again" />
      </${Field}>
      <${ErrorBox} error=${error} testid="password-error" />
      ${done && html`<${Notice} text=${t('password.done')} testid="password-done" />`}
      <button type="submit" class="btn btn-primary btn-block" disabled=${busy || !oldPw || !newPw}
        data-testid="password-submit">${t('password.submit')}</button>
    </form>
  </div>`;
}
