// Dealer portal: progressive enhancements only, every page works without it
document.addEventListener('DOMContentLoaded', function () {
    var toggle = document.querySelector('.menu-toggle');
    var nav = document.getElementById('nav');
    if (toggle && nav) {
        toggle.addEventListener('click', function () {
            var open = nav.classList.toggle('open');
            toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
        });
    }
    // Reload the form when a select says so (the provinces of a country)
    document.querySelectorAll('select[data-autosubmit]').forEach(function (select) {
        select.addEventListener('change', function () {
            select.form.submit();
        });
    });
    // Ask before forms that say so (data-confirm)
    document.querySelectorAll('form[data-confirm]').forEach(function (form) {
        form.addEventListener('submit', function (event) {
            if (!window.confirm(form.getAttribute('data-confirm'))) {
                event.preventDefault();
            }
        });
    });
    // A bulletin shown is read: tell the factory (the form is the fallback)
    document.querySelectorAll('form[data-mark-read]').forEach(function (form) {
        var data = new FormData(form);
        data.append('ajax', '1');
        fetch(form.action, {method: 'POST', body: data, credentials: 'same-origin'})
            .then(function (response) {
                if (response.ok) {
                    form.hidden = true;
                }
            });
    });
});
